import { cpuMs, type ParentMessage, type ServerSpec, toParent } from './rpc-bench-protocol.js';

/** A running benchmark server inside a child process. */
export interface RunningServer {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * The common body of every server child: parses the spec from argv, starts the server,
 * reports its port, answers CPU queries and stops (then exits) when told to.
 */
export async function runServerChild(
  start: (spec: ServerSpec) => Promise<RunningServer>,
): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
  let server: RunningServer;
  try {
    server = await start(spec);
  } catch (error) {
    toParent({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'cpu?') toParent({ type: 'cpu', cpuMs: cpuMs() });
    if (message.type === 'stop') {
      const hardExit = setTimeout(() => process.exit(0), 2000);
      void server
        .stop()
        .catch(() => {})
        .finally(() => {
          clearTimeout(hardExit);
          process.exit(0);
        });
    }
  });
  // The parent going away must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
  toParent({ type: 'ready', port: server.port });
}
