import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { formatHostPort } from '@rpcnet/base';
import { ClusterConfigError, ClusterError, ClusterErrorCode } from './errors.js';
import type { SeedDiscovery } from './seed-discovery.js';

/**
 * The DNS queries seed discovery makes: the methods of `node:dns/promises`'s `Resolver` it uses,
 * so tests inject a fake and deployments a resolver pointed at their DNS server.
 */
export interface DnsResolver {
  resolve4(hostname: string): Promise<string[]>;
  resolve6(hostname: string): Promise<string[]>;
  resolveSrv(
    hostname: string,
  ): Promise<Array<{ name: string; port: number; priority: number; weight: number }>>;
}

/** Which address records to ask for: A, AAAA, or both (the default). */
export type DnsFamily = 'ipv4' | 'ipv6' | 'any';

/** Options shared by the DNS seed sources. */
export interface DnsSeedOptions {
  /** Default a `node:dns/promises` `Resolver` using the system's DNS servers. */
  readonly resolver?: DnsResolver;
  /** Default `any`: A and AAAA records. */
  readonly family?: DnsFamily;
}

/** A name that exists but has no record of the asked type: an empty answer, not a failure. */
const NO_DATA = 'ENODATA';

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}

function discoveryError(query: string, error: unknown): ClusterError {
  return new ClusterError(
    ClusterErrorCode.SeedDiscoveryFailed,
    `${query} failed: ${errorCode(error)}`,
    { cause: error },
  );
}

function checkName(field: string, name: unknown): void {
  if (typeof name !== 'string' || name.length === 0 || name.includes(':')) {
    throw new ClusterConfigError(field, `must be a DNS name, got ${JSON.stringify(name)}`);
  }
}

function checkFamily(family: unknown): DnsFamily {
  if (family === undefined) return 'any';
  if (family === 'ipv4' || family === 'ipv6' || family === 'any') return family;
  throw new ClusterConfigError('family', `must be "ipv4", "ipv6" or "any", got ${String(family)}`);
}

/**
 * Every address of `name` in the asked family, sorted. An empty answer (ENODATA) is an empty
 * list; a name that does not exist (NXDOMAIN, `ENOTFOUND`), a timeout or a server failure rejects.
 */
async function addressesOf(
  resolver: DnsResolver,
  name: string,
  family: DnsFamily,
): Promise<string[]> {
  if (isIP(name) !== 0) return [name];
  const queries: Array<[string, Promise<string[]>]> = [];
  if (family !== 'ipv6') queries.push([`DNS A ${name}`, resolver.resolve4(name)]);
  if (family !== 'ipv4') queries.push([`DNS AAAA ${name}`, resolver.resolve6(name)]);
  const results = await Promise.allSettled(queries.map(([, query]) => query));
  const addresses: string[] = [];
  let failure: ClusterError | undefined;
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') addresses.push(...result.value);
    else if (errorCode(result.reason) !== NO_DATA) {
      failure ??= discoveryError(queries[index]![0], result.reason);
    }
  });
  // One family answering is enough (an IPv4-only cluster has no AAAA records to find).
  if (addresses.length === 0 && failure !== undefined) throw failure;
  return [...new Set(addresses)].sort();
}

/**
 * Seeds from the A/AAAA records of `name`, each at `port`: with a Kubernetes headless Service
 * (`publishNotReadyAddresses: true`) every pod behind it.
 */
export function dnsSeeds(
  options: DnsSeedOptions & { readonly name: string; readonly port: number },
): SeedDiscovery {
  checkName('name', options.name);
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) {
    throw new ClusterConfigError('port', `must be an integer 1..65535, got ${options.port}`);
  }
  const family = checkFamily(options.family);
  const resolver = options.resolver ?? new Resolver();
  const { name, port } = options;
  return {
    description: `dns ${name}:${port}`,
    discover: async () =>
      (await addressesOf(resolver, name, family)).map((address) => formatHostPort(address, port)),
  };
}

/**
 * Seeds from the SRV records of `name` (e.g. `_gossip._udp.workers.prod.svc.cluster.local`):
 * each target's addresses at the record's port. Priority and weight are ignored: every seed is
 * contacted. A target that does not resolve is left out while others do.
 */
export function dnsSrvSeeds(options: DnsSeedOptions & { readonly name: string }): SeedDiscovery {
  checkName('name', options.name);
  const family = checkFamily(options.family);
  const resolver = options.resolver ?? new Resolver();
  const { name } = options;
  return {
    description: `dns-srv ${name}`,
    discover: async () => {
      let records: Array<{ name: string; port: number }>;
      try {
        records = await resolver.resolveSrv(name);
      } catch (error) {
        if (errorCode(error) === NO_DATA) return [];
        throw discoveryError(`DNS SRV ${name}`, error);
      }
      const seeds = new Set<string>();
      let failure: unknown;
      await Promise.all(
        records.map(async (record) => {
          try {
            for (const address of await addressesOf(resolver, record.name, family)) {
              seeds.add(formatHostPort(address, record.port));
            }
          } catch (error) {
            failure ??= error;
          }
        }),
      );
      if (seeds.size === 0 && failure !== undefined) throw failure;
      return [...seeds].sort();
    },
  };
}
