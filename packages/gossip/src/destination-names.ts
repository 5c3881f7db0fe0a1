import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { formatHostPort, tryParseHostPort as parseHostPort } from '@rpcnet/base';

/** Resolves a DNS name to one address (of the socket's family). */
export type HostLookup = (host: string) => Promise<string>;

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** Lowercase, and an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 it maps. */
function canonicalHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

/**
 * Which destinations name this node, for {@link SecureTransport}'s check that a sealed datagram
 * was meant for it: the bound and the advertised address, and for a wildcard bind every address
 * of this host's interfaces; a DNS name among them is resolved once, up front.
 */
export async function localDestinations(options: {
  readonly bound: string;
  readonly advertised: string;
  /** Resolves names among the addresses; without it names are matched as written. */
  readonly lookup?: HostLookup;
}): Promise<(destination: string) => boolean> {
  const hosts = new Set<string>();
  const ports = new Set<number>();
  for (const address of [options.bound, options.advertised]) {
    const parsed = parseHostPort(address);
    if (parsed === undefined) continue;
    ports.add(parsed.port);
    if (WILDCARDS.has(parsed.host)) {
      const ipv4Only = parsed.host === '0.0.0.0';
      for (const entries of Object.values(networkInterfaces())) {
        for (const entry of entries ?? []) {
          if (!ipv4Only || entry.family === 'IPv4') hosts.add(canonicalHost(entry.address));
        }
      }
      continue;
    }
    hosts.add(canonicalHost(parsed.host));
    if (isIP(parsed.host) === 0 && options.lookup !== undefined) {
      try {
        hosts.add(canonicalHost(await options.lookup(parsed.host)));
      } catch {
        // An advertised name that does not resolve here still matches as written.
      }
    }
  }
  return (destination) => {
    const parsed = parseHostPort(destination);
    return parsed !== undefined && ports.has(parsed.port) && hosts.has(canonicalHost(parsed.host));
  };
}

/**
 * Maps a send target to the address sealed into the datagram and sent to: IP literals as they
 * are, DNS names resolved (and cached for `ttlMs`), so the receiver sees an address it knows
 * as its own whatever name the sender was given (a seed's DNS name, `localhost`).
 */
export function destinationResolver(options: {
  readonly lookup: HostLookup;
  readonly now: () => number;
  readonly ttlMs?: number;
}): (to: string) => string | Promise<string> {
  const ttlMs = options.ttlMs ?? 30_000;
  const cache = new Map<string, { address: string; until: number }>();
  return (to) => {
    const parsed = parseHostPort(to);
    if (parsed === undefined) return to;
    if (isIP(parsed.host) !== 0) return formatHostPort(canonicalHost(parsed.host), parsed.port);
    const cached = cache.get(parsed.host);
    if (cached !== undefined && cached.until > options.now()) {
      return formatHostPort(cached.address, parsed.port);
    }
    return options.lookup(parsed.host).then((address) => {
      const canonical = canonicalHost(address);
      cache.set(parsed.host, { address: canonical, until: options.now() + ttlMs });
      return formatHostPort(canonical, parsed.port);
    });
  };
}
