import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoReport } from '../shared/demo-report.js';
import type { DemoOptions } from './demo-options.js';
import { DemoState } from './demo-state.js';
import { type ChildExit, ExampleChild } from './example-child.js';
import { LiveView } from './live-view.js';

const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const LOADER = import.meta.resolve('tsx');
const START_BOUND_MS = 30_000;
const STOP_BOUND_MS = { client: 12_000, worker: 8000, director: 5000 } as const;
/** A second Ctrl-C this long after the first kills every child and exits at once. */
const FORCE_QUIT_AFTER_MS = 2000;

/** A child's name, process id and how it ended. */
export interface ChildOutcome {
  readonly name: string;
  readonly pid: number | undefined;
  readonly exit: ChildExit;
}

/** The demo's run: its children, what they reported, its clock, and its orderly stop. */
export class DemoRun {
  readonly state = new DemoState();
  readonly view: LiveView;
  readonly children: ExampleChild[] = [];
  readonly ready = new Set<string>();
  /** The director's web console, once it reported one. */
  consoleUrl: string | undefined;
  readonly startedAt = Date.now();
  /** End of the timed part, set when the client is up: a slow start-up must not eat the run. */
  #endsAt: number | undefined;
  readonly certDir = mkdtempSync(join(tmpdir(), 'rpcnet-demo-'));
  #interruptedAt: number | undefined;
  #wake: (() => void) | undefined;
  #stopping = false;

  constructor(readonly options: DemoOptions) {
    this.view = new LiveView(this.state, options.view === 'tty');
  }

  /** Starts the timed part of the run (`--duration` seconds from now). */
  startClock(): void {
    this.#endsAt = Date.now() + this.options.durationS * 1000;
  }

  /** Seconds left of the timed part; all of them until {@link startClock}. */
  remainingS(): number {
    if (this.#endsAt === undefined) return this.options.durationS;
    return Math.max(0, (this.#endsAt - Date.now()) / 1000);
  }

  /** True once Ctrl-C or SIGTERM arrived. */
  get interrupted(): boolean {
    return this.#interruptedAt !== undefined;
  }

  /** Ctrl-C / SIGTERM: the first stops the run early, a later one kills everything. */
  interrupt(signal: string): void {
    if (this.#interruptedAt === undefined) {
      this.#interruptedAt = Date.now();
      this.view.line(`[demo] ${signal}: stopping early`);
      this.#wake?.();
      return;
    }
    if (Date.now() - this.#interruptedAt < FORCE_QUIT_AFTER_MS) return;
    for (const child of this.children) child.kill();
    rmSync(this.certDir, { recursive: true, force: true });
    process.exit(130);
  }

  /** Starts an example script as a child process with `env` over the demo's environment. */
  start(name: string, script: string, env: NodeJS.ProcessEnv): ExampleChild {
    const child = new ExampleChild(
      { name, script, cwd: EXAMPLES_DIR, env: { ...process.env, ...env }, loader: LOADER },
      (report) => this.#onReport(report),
      (line) => this.view.line(line),
    );
    this.children.push(child);
    void child.exited.then((exit) => {
      if (!this.#stopping)
        this.view.line(`[demo] ${name} exited unexpectedly (${describeExit(exit)})`);
    });
    return child;
  }

  /** Stops the client, then the workers, then the director, each bounded. */
  async stopAll(): Promise<ChildOutcome[]> {
    this.#stopping = true;
    const stop = async (child: ExampleChild, boundMs: number) => ({
      name: child.name,
      pid: child.pid,
      exit: await child.stop(boundMs),
    });
    const byRole = (prefix: string) => this.children.filter((c) => c.name.startsWith(prefix));
    const results: ChildOutcome[] = [];
    for (const child of byRole('client')) results.push(await stop(child, STOP_BOUND_MS.client));
    // One worker at a time, so each graceful departure shows on its own in the logs and the view.
    for (const child of byRole('worker')) results.push(await stop(child, STOP_BOUND_MS.worker));
    for (const child of byRole('director')) results.push(await stop(child, STOP_BOUND_MS.director));
    rmSync(this.certDir, { recursive: true, force: true });
    return results;
  }

  /** Waits until `condition` holds or the run is interrupted; throws after `boundMs`. */
  async waitFor(condition: () => boolean, what: string, boundMs = START_BOUND_MS): Promise<void> {
    const deadline = Date.now() + boundMs;
    while (!condition()) {
      if (this.interrupted) return;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${boundMs} ms waiting for ${what}`);
      const crashed = this.children.find((c) => !c.running);
      if (crashed !== undefined)
        throw new Error(`${crashed.name} exited while waiting for ${what}`);
      this.view.tick(this.remainingS());
      await this.pause(50);
    }
  }

  /** Sleeps `ms`, waking early on an interrupt. */
  pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  #onReport(report: DemoReport): void {
    if (report.type === 'ready') {
      this.ready.add(report.name);
      if (report.consoleUrl !== undefined) {
        this.consoleUrl = report.consoleUrl;
        this.view.line(`[demo] web console: ${report.consoleUrl} (open it in a browser)`);
      }
    }
    this.state.apply(report);
  }
}

function describeExit(exit: ChildExit): string {
  return exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? 'unknown'}`;
}
