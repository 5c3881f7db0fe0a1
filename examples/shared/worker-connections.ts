import { RpcClient, type TlsOptions } from 'rpcnet';

/** One QUIC connection per worker address, opened on first use and reopened after it closed. */
export class WorkerConnections {
  readonly #tls: TlsOptions;
  readonly #connections = new Map<string, Promise<RpcClient>>();

  constructor(tls: TlsOptions) {
    this.#tls = tls;
  }

  /** The open connection to `address`, connecting if there is none. */
  async get(address: string): Promise<RpcClient> {
    const existing = this.#connections.get(address);
    if (existing !== undefined) {
      const client = await existing.catch(() => undefined);
      if (client !== undefined && !client.closed) return client;
      if (this.#connections.get(address) === existing) this.#connections.delete(address);
      return this.get(address);
    }
    const connecting = RpcClient.connect(address, { tls: this.#tls, connectTimeoutMs: 3000 });
    this.#connections.set(address, connecting);
    connecting.catch(() => {
      if (this.#connections.get(address) === connecting) this.#connections.delete(address);
    });
    return connecting;
  }

  /** Closes and forgets the connection to `address` (after its worker failed). */
  drop(address: string): void {
    const existing = this.#connections.get(address);
    this.#connections.delete(address);
    void existing?.then((client) => client.close()).catch(() => undefined);
  }

  /** Closes every connection. */
  async closeAll(): Promise<void> {
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(all.map((c) => c.then((client) => client.close()).catch(() => undefined)));
  }
}
