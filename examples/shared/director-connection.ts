import { ErrorCode, RpcClient, RpcError, serviceClient, type TlsOptions } from 'rpcnet';
import { type Assignment, directorService } from './director-service.js';
import { sleep } from './sleep.js';

const CALL_TIMEOUT_MS = 3000;
const RETRY_INITIAL_MS = 200;
const RETRY_MAX_MS = 2000;

/** True when the director answered that it has no worker to give (as opposed to being unreachable). */
export function isNoWorkers(error: unknown): boolean {
  return error instanceof RpcError && error.details?.reason === 'no-workers';
}

/**
 * A client's line to the director: connects on first use, reconnects after the connection is
 * lost, and keeps retrying while the director is unreachable (until `signal` aborts).
 */
export class DirectorConnection {
  readonly #address: string;
  readonly #tls: TlsOptions;
  #client: Promise<RpcClient> | undefined;

  constructor(address: string, tls: TlsOptions) {
    this.#address = address;
    this.#tls = tls;
  }

  /**
   * Asks the director for a worker not in `exclude`. Rejects with the director's UNAVAILABLE
   * `no-workers` error (see {@link isNoWorkers}) and with the signal's reason; retries the rest.
   */
  async assign(
    exclude: readonly string[],
    client: string,
    signal: AbortSignal,
  ): Promise<Assignment> {
    let delay = RETRY_INITIAL_MS;
    for (;;) {
      try {
        const director = serviceClient(await this.#connect(), directorService);
        return await director.assign_worker(
          { exclude, client },
          { timeoutMs: CALL_TIMEOUT_MS, signal },
        );
      } catch (error) {
        if (signal.aborted || isNoWorkers(error)) throw error;
        if (!(error instanceof RpcError) || error.code === ErrorCode.UNAVAILABLE) this.#forget();
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  /** Hands an assignment back; best effort (an unreleased one expires on the director). */
  async release(assignmentId: string, failed: boolean): Promise<void> {
    try {
      const director = serviceClient(await this.#connect(), directorService);
      await director.release_worker({ assignmentId, failed }, { timeoutMs: CALL_TIMEOUT_MS });
    } catch {
      // The director is gone or restarting; its assignments died with it or will expire.
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.then((c) => c.close()).catch(() => undefined);
  }

  #connect(): Promise<RpcClient> {
    const existing = this.#client;
    if (existing !== undefined) {
      return existing.then((client) => {
        if (!client.closed) return client;
        if (this.#client === existing) this.#client = undefined;
        return this.#connect();
      });
    }
    const connecting = RpcClient.connect(this.#address, { tls: this.#tls, connectTimeoutMs: 3000 });
    this.#client = connecting;
    connecting.catch(() => {
      if (this.#client === connecting) this.#client = undefined;
    });
    return connecting;
  }

  #forget(): void {
    const client = this.#client;
    this.#client = undefined;
    void client?.then((c) => c.close()).catch(() => undefined);
  }
}
