import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { tryParseHostPort } from '@rpcnet/base';
import type { ClusterConfig } from './config.js';
import { ClusterConfigError } from './errors.js';

/**
 * The environment variable a member takes `advertiseAddr` from when the config has none; in
 * Kubernetes set it to the pod IP (`valueFrom.fieldRef.fieldPath: status.podIP`).
 */
export const ADVERTISE_ADDR_ENV = 'RPCNET_ADVERTISE_ADDR';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** Returns `config` with `advertiseAddr` from {@link ADVERTISE_ADDR_ENV} when it has none. */
export function withAdvertiseAddrFromEnv(
  config: ClusterConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ClusterConfig {
  const fromEnv = env[ADVERTISE_ADDR_ENV]?.trim();
  if (config.advertiseAddr !== undefined || fromEnv === undefined || fromEnv === '') return config;
  return Object.freeze({ ...config, advertiseAddr: fromEnv });
}

/** A host others can reach: the bound one, or for a wildcard bind the first external IPv4. */
export function reachableHost(bindAddr: string): string {
  if (!WILDCARDS.has(bindAddr)) return bindAddr;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

function isLoopback(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === 'localhost' || lower === '::1') return true;
  const v4 = lower.startsWith('::ffff:') ? lower.slice(7) : lower;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Refuses to advertise a host no other machine can reach: a wildcard always, a loopback address
 * when a seed is an IP address of another machine (names are not resolved here). Throws a
 * {@link ClusterConfigError} naming `advertiseAddr` and how to fix it.
 */
export function checkAdvertisedHost(host: string, seeds: readonly string[]): void {
  const hint = `set advertiseAddr or ${ADVERTISE_ADDR_ENV} (in Kubernetes: the pod IP, status.podIP)`;
  if (WILDCARDS.has(host)) {
    throw new ClusterConfigError(
      'advertiseAddr',
      `${host} is not an address others can reach; ${hint}`,
    );
  }
  if (!isLoopback(host)) return;
  const remote = seeds.find((seed) => {
    const parsed = tryParseHostPort(seed);
    return parsed !== undefined && isIP(parsed.host) !== 0 && !isLoopback(parsed.host);
  });
  if (remote !== undefined) {
    throw new ClusterConfigError(
      'advertiseAddr',
      `this member would advertise loopback ${host} to a cluster on other machines (seed ${remote}); ${hint}`,
    );
  }
}
