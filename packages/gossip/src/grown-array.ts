/** The typed arrays member tables and their indexes keep numbers in. */
type NumberArray = Int32Array | Uint32Array | Float64Array;

/** A copy of `array` with room for `capacity` entries (the new ones zero). */
export function grownArray<T extends NumberArray>(array: T, capacity: number): T {
  const grown = new (array.constructor as new (length: number) => T)(capacity);
  grown.set(array);
  return grown;
}
