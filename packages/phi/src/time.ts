/**
 * Returns `value` if it is a usable timestamp (finite, non-negative milliseconds); otherwise throws a
 * RangeError naming `source`, the argument or clock it came from.
 */
export function checkTimestamp(value: number, source: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < Number.POSITIVE_INFINITY)) {
    throw new RangeError(
      `${source} must be a finite, non-negative number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}
