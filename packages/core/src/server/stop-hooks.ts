import type { Logger } from '@rpcnet/base';

/**
 * Work an integration runs around {@link RpcServer.stop}: `beforeDrain` while the server still
 * serves (before GOAWAY), `afterDrain` once every connection and the listener are closed.
 */
export interface RpcServerStopHook {
  /** Runs first, while new calls are still accepted (e.g. tell a load balancer to stop routing). */
  beforeDrain?: () => Promise<void> | void;
  /** Runs last, after calls drained and the server closed (also when closing failed). */
  afterDrain?: () => Promise<void> | void;
}

/**
 * The stop hooks registered on one server. `beforeDrain` hooks run in registration order,
 * `afterDrain` hooks in reverse order (like a cleanup stack); each is awaited before the next.
 * A hook that throws is logged and never keeps the server from stopping.
 */
export class StopHooks {
  readonly #hooks: RpcServerStopHook[] = [];
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Registers `hook`; the returned function removes it again (idempotent). */
  add(hook: RpcServerStopHook): () => void {
    // A wrapper per registration, so the same hook object may be added (and removed) twice.
    const entry: RpcServerStopHook = { ...hook };
    this.#hooks.push(entry);
    return () => {
      const index = this.#hooks.indexOf(entry);
      if (index >= 0) this.#hooks.splice(index, 1);
    };
  }

  /** Runs every `beforeDrain` hook registered now, in registration order. */
  async beforeDrain(): Promise<void> {
    for (const hook of [...this.#hooks]) {
      if (hook.beforeDrain !== undefined) await this.#run('beforeDrain', hook.beforeDrain);
    }
  }

  /** Runs every `afterDrain` hook registered now, newest first. */
  async afterDrain(): Promise<void> {
    for (const hook of [...this.#hooks].reverse()) {
      if (hook.afterDrain !== undefined) await this.#run('afterDrain', hook.afterDrain);
    }
  }

  async #run(phase: string, hook: () => Promise<void> | void): Promise<void> {
    try {
      await hook();
    } catch (error) {
      this.#logger.error('rpc server stop hook failed', {
        phase,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
