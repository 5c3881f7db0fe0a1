/**
 * `length` zeros in a plain array whose elements V8 keeps as raw doubles: it was made with a
 * fraction, and an array's elements kind never goes back to small integers, so storing any number
 * in it later allocates nothing. About 60 bytes of objects plus 8 per element, where a
 * `Float64Array` and its buffer cost about 300 before the first element.
 */
export function doubleArray(length: number): number[] {
  const array: number[] = [0.5];
  array.length = 0;
  for (let i = 0; i < length; i++) array.push(0);
  return array;
}
