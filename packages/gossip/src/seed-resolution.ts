import { isIP } from 'node:net';
import { tryParseHostPort as parseHostPort } from '@rpcnet/base';
import type { HostLookup } from './destination-names.js';

/** A seed that did not resolve, and why. */
export interface UnresolvedSeed {
  readonly seed: string;
  readonly reason: string;
}

/**
 * Splits `seeds` into the ones to contact and the ones whose name does not resolve, leaving out
 * every seed that is this node itself by address (`localhost:7946`, its own IP or name), not only
 * by the exact string. The seeds to contact keep their names: they are resolved again on each
 * contact, so a seed's DNS record may change.
 */
export async function partitionSeeds(
  seeds: readonly string[],
  isSelf: (address: string) => boolean,
  lookup: HostLookup | undefined,
): Promise<{ others: string[]; unresolved: UnresolvedSeed[] }> {
  const others: string[] = [];
  const unresolved: UnresolvedSeed[] = [];
  for (const seed of new Set(seeds)) {
    if (isSelf(seed)) continue;
    const parsed = parseHostPort(seed);
    if (parsed === undefined || isIP(parsed.host) !== 0 || lookup === undefined) {
      others.push(seed);
      continue;
    }
    try {
      const address = await lookup(parsed.host);
      const resolved = address.includes(':')
        ? `[${address}]:${parsed.port}`
        : `${address}:${parsed.port}`;
      if (!isSelf(resolved)) others.push(seed);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      unresolved.push({ seed, reason: `DNS lookup of "${parsed.host}" failed: ${code}` });
    }
  }
  return { others, unresolved };
}
