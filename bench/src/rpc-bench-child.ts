import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage } from './rpc-bench-protocol.js';

const tsxLoader = import.meta.resolve('tsx');

/** A benchmark child process running one of this folder's TypeScript files under tsx. */
export class BenchChild {
  private readonly child: ChildProcess;
  private readonly waiters: Array<{
    type: ChildMessage['type'];
    resolve: (message: ChildMessage) => void;
    reject: (error: Error) => void;
  }> = [];
  private exited = false;
  private readonly exitedPromise: Promise<void>;
  /** Called for every `measure-start`/`measure-end` message. */
  onMeasure: ((phase: 'start' | 'end') => Promise<void>) | undefined;

  constructor(script: string, spec: unknown) {
    const path = fileURLToPath(new URL(script, import.meta.url));
    this.child = fork(path, [JSON.stringify(spec)], {
      execArgv: ['--import', tsxLoader],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exitedPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        const error = new Error(`${script} exited (code ${code}, signal ${signal})`);
        for (const waiter of this.waiters.splice(0)) waiter.reject(error);
        resolve();
      });
    });
    this.child.on('message', (raw) => void this.dispatch(raw as ChildMessage));
  }

  private async dispatch(message: ChildMessage): Promise<void> {
    if (message.type === 'measure-start' || message.type === 'measure-end') {
      await this.onMeasure?.(message.type === 'measure-start' ? 'start' : 'end');
      this.send({ type: 'measure-ack' });
      return;
    }
    if (message.type === 'failed') {
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(message.error));
      return;
    }
    const index = this.waiters.findIndex((waiter) => waiter.type === message.type);
    if (index >= 0) this.waiters.splice(index, 1)[0]?.resolve(message);
  }

  /** Waits for the next message of `type`, failing after `timeoutMs`. */
  next<T extends ChildMessage['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<ChildMessage, { type: T }>> {
    if (this.exited) return Promise.reject(new Error('child already exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.findIndex((waiter) => waiter.resolve === done);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`no '${type}' from child within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (message: ChildMessage): void => {
        clearTimeout(timer);
        resolve(message as Extract<ChildMessage, { type: T }>);
      };
      this.waiters.push({
        type,
        resolve: done,
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  send(message: ParentMessage): void {
    if (!this.exited && this.child.connected) this.child.send(message);
  }

  /** Asks the child for its CPU time so far. */
  async cpuMs(): Promise<number> {
    const reply = this.next('cpu', 5000);
    this.send({ type: 'cpu?' });
    return (await reply).cpuMs;
  }

  /** Asks the child to stop, and kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }
}
