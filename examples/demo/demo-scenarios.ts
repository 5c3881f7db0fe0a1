/** One example the demo can run end to end: which scripts, which workers fail, what to call things. */
export interface DemoScenario {
  /** Selected with `pnpm demo <name>` (or `--example <name>`). */
  readonly name: 'cluster' | 'swap';
  /** The summary's heading. */
  readonly title: string;
  readonly directorScript: string;
  readonly workerScript: string;
  readonly clientScript: string;
  /** The name the client process reports itself ready under. */
  readonly clientName: string;
  readonly workers: readonly string[];
  /** Workers that run the simulated failure cycle (random, staggered running phases). */
  readonly failing: readonly string[];
  /** What one call is in this example, for the summary (`calls`, `messages`). */
  readonly unit: 'calls' | 'messages';
  /** The client's environment beyond the shared one. */
  clientEnv(sessions: number): NodeJS.ProcessEnv;
}

const WORKERS = ['worker-1', 'worker-2', 'worker-3'] as const;

/** The examples `pnpm demo` can run; `cluster` is the default. */
export const DEMO_SCENARIOS: Readonly<Record<DemoScenario['name'], DemoScenario>> = {
  cluster: {
    name: 'cluster',
    title: 'rpcnet cluster demo',
    directorScript: 'cluster/director.ts',
    workerScript: 'cluster/worker.ts',
    clientScript: 'cluster/client.ts',
    clientName: 'client',
    workers: WORKERS,
    failing: ['worker-3'],
    unit: 'calls',
    clientEnv: (sessions) => ({ CLIENT_MODE: 'director', CLIENT_SESSIONS: String(sessions) }),
  },
  swap: {
    name: 'swap',
    title: 'rpcnet connection_swap demo',
    directorScript: 'connection_swap/director.ts',
    workerScript: 'connection_swap/worker.ts',
    clientScript: 'connection_swap/client.ts',
    clientName: 'swap-client',
    workers: WORKERS,
    // Every worker fails now and then, each at its own random times, so the one session moves
    // wherever it is and rarely finds no worker at all.
    failing: WORKERS,
    unit: 'messages',
    clientEnv: () => ({}),
  },
};

/** `cluster`, `swap` or `connection_swap` to a scenario; throws naming the accepted values. */
export function scenarioNamed(name: string): DemoScenario {
  const key = name === 'connection_swap' ? 'swap' : name;
  if (key === 'cluster' || key === 'swap') return DEMO_SCENARIOS[key];
  throw new Error(`unknown example "${name}": expected cluster, swap (or connection_swap)`);
}
