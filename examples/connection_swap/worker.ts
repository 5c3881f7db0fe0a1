// The connection_swap example's worker: serves `swap.Session/Exchange`, a bidirectional stream that
// acknowledges each message of a client's logical session, whichever worker saw the earlier ones.
// Joins and leaves through gossip; WORKER_FAILURE_ENABLED=true makes it fail now and then.
import { runWorker } from '../shared/run-worker.js';
// Generated from session.proto by rpcnet-gen (`pnpm build`).
import { registerSession } from './session.gen.js';

runWorker({
  serves: 'swap.Session/Exchange',
  register(server, worker) {
    registerSession(server, {
      async *exchange(messages) {
        worker.refuseWhileFailed();
        const end = worker.beginCall();
        let session: string | undefined;
        try {
          for await (const message of messages) {
            worker.refuseWhileFailed();
            if (session === undefined) {
              session = message.sessionId;
              worker.log.info(
                `🔗 session ${session.slice(0, 8)} attached at message ${message.seq}`,
              );
            }
            worker.served();
            yield {
              sessionId: message.sessionId,
              seq: message.seq,
              total: message.total + message.value,
              worker: worker.label,
            };
          }
        } finally {
          end();
          if (session !== undefined) worker.log.info(`🔌 session ${session.slice(0, 8)} detached`);
        }
      },
    });
  },
});
