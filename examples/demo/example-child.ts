import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type DemoReport, isDemoReport, type StopRequest } from '../shared/demo-report.js';

/** How a child process ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when it had to be killed because it did not stop in time. */
  readonly killed: boolean;
}

/** What to start: an example script with its environment. */
export interface ChildSpec {
  /** Shown in the view and summary, e.g. `worker-3`. */
  readonly name: string;
  /** The script, relative to `cwd`. */
  readonly script: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** The URL of the TypeScript loader passed to `node --import`. */
  readonly loader: string;
}

/**
 * One example process run by the demo: started with an IPC channel for its reports, its output
 * read line by line, stopped with a `stop` message and killed if it does not exit in time.
 * It runs in its own process group, so a Ctrl-C reaches only the demo, which stops the children in
 * order; should the demo itself die, the children see the IPC channel close and stop themselves.
 */
export class ExampleChild {
  readonly name: string;
  readonly #process: ChildProcess;
  readonly exited: Promise<ChildExit>;
  #killed = false;

  constructor(
    spec: ChildSpec,
    onReport: (report: DemoReport) => void,
    onLine: (line: string, stream: 'stdout' | 'stderr') => void,
  ) {
    this.name = spec.name;
    this.#process = spawn(process.execPath, ['--import', spec.loader, spec.script], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    this.exited = new Promise((resolve) => {
      this.#process.once('exit', (code, signal) => resolve({ code, signal, killed: this.#killed }));
      // 'error' can come more than once (spawn failure, a failed kill); every one is handled.
      this.#process.on('error', () => resolve({ code: null, signal: null, killed: this.#killed }));
    });
    this.#process.on('message', (message) => {
      if (isDemoReport(message)) onReport(message);
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = this.#process[stream];
      if (source !== null)
        createInterface({ input: source }).on('line', (line) => onLine(line, stream));
    }
  }

  /** The operating-system process id. */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** True until the process exited. */
  get running(): boolean {
    return this.#process.exitCode === null && this.#process.signalCode === null;
  }

  /** Asks the process to stop; kills it (SIGKILL) when it has not exited after `boundMs`. */
  async stop(boundMs: number): Promise<ChildExit> {
    if (this.running) {
      const request: StopRequest = { type: 'stop' };
      const ask = (): void => {
        // With a callback, a channel that closed meanwhile reports there instead of throwing.
        if (this.#process.connected) this.#process.send(request, () => undefined);
        else this.#process.kill('SIGTERM');
      };
      ask();
      // A child still loading its modules has no listener yet and drops the message: ask again.
      const repeat = setInterval(() => {
        if (this.running) ask();
      }, 250);
      const timer = setTimeout(() => this.kill(), boundMs);
      const exit = await this.exited;
      clearInterval(repeat);
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  /** Kills the process at once. */
  kill(): void {
    if (!this.running) return;
    this.#killed = true;
    this.#process.kill('SIGKILL');
  }
}
