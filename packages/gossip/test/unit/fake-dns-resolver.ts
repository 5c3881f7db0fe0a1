import type { DnsResolver } from '../../src/dns-seed-discovery.js';

type Answer<T> = T | { readonly error: string } | 'hang';

/** A DNS resolver answering from tables; an entry may fail with a DNS error code or never answer. */
export class FakeDnsResolver implements DnsResolver {
  readonly a = new Map<string, Answer<string[]>>();
  readonly aaaa = new Map<string, Answer<string[]>>();
  readonly srv = new Map<string, Answer<Array<{ name: string; port: number }>>>();
  /** Every query made, as `A name`, `AAAA name` or `SRV name`. */
  readonly queries: string[] = [];

  resolve4(hostname: string): Promise<string[]> {
    return this.#answer('A', hostname, this.a.get(hostname));
  }

  resolve6(hostname: string): Promise<string[]> {
    return this.#answer('AAAA', hostname, this.aaaa.get(hostname));
  }

  async resolveSrv(
    hostname: string,
  ): Promise<Array<{ name: string; port: number; priority: number; weight: number }>> {
    const records = await this.#answer('SRV', hostname, this.srv.get(hostname));
    return records.map((record) => ({ ...record, priority: 10, weight: 10 }));
  }

  #answer<T>(type: string, hostname: string, answer: Answer<T> | undefined): Promise<T> {
    this.queries.push(`${type} ${hostname}`);
    if (answer === 'hang') return new Promise<T>(() => {});
    // A name absent from every table does not exist; present in another table, it has no data.
    if (answer === undefined) {
      const exists = this.a.has(hostname) || this.aaaa.has(hostname) || this.srv.has(hostname);
      return Promise.reject(dnsError(exists ? 'ENODATA' : 'ENOTFOUND', hostname));
    }
    if (typeof answer === 'object' && answer !== null && 'error' in answer) {
      return Promise.reject(dnsError(answer.error, hostname));
    }
    return Promise.resolve(answer as T);
  }
}

function dnsError(code: string, hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`query ${code} ${hostname}`), { code, hostname });
}
