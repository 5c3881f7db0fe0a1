import type { ParseArgsConfig } from 'node:util';
import { usageError } from './exit-codes.js';

/** Options every command takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Options of the commands that read the cluster (`members`, `watch`). */
export const SOURCE_OPTIONS = {
  seed: { type: 'string', multiple: true },
  endpoint: { type: 'string' },
  token: { type: 'string' },
  secret: { type: 'string' },
  bind: { type: 'string' },
  timeout: { type: 'string', default: '5000' },
} as const satisfies ParseArgsConfig['options'];

/** A whole number of milliseconds from `--name`, or a usage error naming it. */
export function millisecondsOption(
  name: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (
    !/^\d+$/.test(value) ||
    !Number.isSafeInteger(parsed) ||
    parsed < 1 ||
    parsed > 2_147_483_647
  ) {
    throw usageError(`--${name} must be a whole number of milliseconds, not "${value}"`);
  }
  return parsed;
}
