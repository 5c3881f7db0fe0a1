/** The operations a member table needs of a map from string keys; `Map` is one. */
export interface KeyIndex<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): unknown;
  delete(key: string): boolean;
}

/** Numbers strings densely (0, 1, 2, ...) in the order first seen: shared by many indexes. */
export class KeyNumbering {
  private readonly numbers = new Map<string, number>();
  /** Each number's key. */
  private readonly keys: string[] = [];
  /**
   * The key numbered last looked up, and its number (numbers never change): a table looks up the
   * same id several times in a row while it applies one update, and a hash lookup in a map of
   * thousands of ids misses the cache where one comparison does not.
   */
  private lastKey: string | undefined;
  private lastNumber = 0;

  /** The number of `key`, if it has one. */
  find(key: string): number | undefined {
    if (key === this.lastKey) return this.lastNumber;
    const number = this.numbers.get(key);
    if (number !== undefined) this.remember(key, number);
    return number;
  }

  /** The number of `key`, given the next one the first time. */
  assign(key: string): number {
    if (key === this.lastKey) return this.lastNumber;
    let number = this.numbers.get(key);
    if (number === undefined) {
      number = this.numbers.size;
      this.numbers.set(key, number);
      this.keys.push(key);
    }
    this.remember(key, number);
    return number;
  }

  /**
   * Tells the numbering that `key` has `number` (which it gave it), so the next lookups of `key`
   * need no hash lookup: a caller that keeps numbers beside its keys (a pooled member record).
   */
  prime(key: string, number: number): void {
    this.remember(key, number);
  }

  private remember(key: string, number: number): void {
    this.lastKey = key;
    this.lastNumber = number;
  }

  /** The key numbered `number` (a number this numbering gave). */
  keyOf(number: number): string {
    return this.keys[number]!;
  }

  /** Keys numbered so far. */
  get size(): number {
    return this.numbers.size;
  }
}

/** Slots a {@link DenseSlotIndex} holds for numbers never set. */
const NO_SLOT = -1;

/**
 * A {@link KeyIndex} of non-negative integers below 2^31 (a member table's slots) over a shared
 * {@link KeyNumbering}, in an `Int32Array`: 4 bytes a key, outside the JS heap, so a garbage
 * collection neither visits nor copies it as the index grows.
 */
export class DenseSlotIndex implements KeyIndex<number> {
  private values = new Int32Array(16).fill(NO_SLOT);

  constructor(private readonly numbering: KeyNumbering) {}

  get(key: string): number | undefined {
    const number = this.numbering.find(key);
    if (number === undefined || number >= this.values.length) return undefined;
    const value = this.values[number]!;
    return value === NO_SLOT ? undefined : value;
  }

  set(key: string, value: number): void {
    const number = this.numbering.assign(key);
    if (number >= this.values.length) {
      const grown = new Int32Array(Math.max(number + 1, this.values.length * 2)).fill(NO_SLOT);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[number] = value;
  }

  delete(key: string): boolean {
    const number = this.numbering.find(key);
    if (number === undefined || number >= this.values.length) return false;
    if (this.values[number] === NO_SLOT) return false;
    this.values[number] = NO_SLOT;
    return true;
  }
}
