// The cluster example's worker: serves `compute` (unary) and `generate` (a token stream), joins
// the cluster through the director with tags role=worker and label=<WORKER_LABEL>, and with
// WORKER_FAILURE_ENABLED=true cycles through simulated run / warning / failed / recovering phases.
import { runWorker } from '../shared/run-worker.js';
import { sleep } from '../shared/sleep.js';
import { tokenAt, workerService } from './worker-service.js';

runWorker({
  serves: 'compute and generate',
  register(server, worker) {
    server.service(workerService, {
      compute: (request) => {
        worker.refuseWhileFailed();
        const result = request.numbers.reduce((sum, n) => sum + n * n, 0);
        worker.log.debug(`🧮 computed ${result} from ${request.numbers.length} numbers`);
        return { result, worker: worker.label };
      },
      async *generate(request, context) {
        worker.refuseWhileFailed();
        const end = worker.beginCall();
        worker.log.info(
          `🎬 ${worker.label} streaming tokens ${request.from + 1}-${request.count} of "${request.prompt}"`,
        );
        try {
          for (let index = request.from; index < request.count; index += 1) {
            await sleep(worker.settings.tokenIntervalMs, context.signal);
            // A failure in the middle of a stream breaks it, like a crashing model server would.
            worker.refuseWhileFailed();
            worker.served();
            yield { index, text: tokenAt(request.prompt, index), worker: worker.label };
          }
        } finally {
          end();
        }
      },
    });
  },
});
