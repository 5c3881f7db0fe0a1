/** The operations a member table needs of a map from string keys; `Map` is one. */
export interface KeyIndex<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): unknown;
  delete(key: string): boolean;
}

/** Numbers strings densely (0, 1, 2, ...) in the order first seen: shared by many indexes. */
export class KeyNumbering {
  private readonly numbers = new Map<string, number>();

  /** The number of `key`, if it has one. */
  find(key: string): number | undefined {
    return this.numbers.get(key);
  }

  /** The number of `key`, given the next one the first time. */
  assign(key: string): number {
    let number = this.numbers.get(key);
    if (number === undefined) {
      number = this.numbers.size;
      this.numbers.set(key, number);
    }
    return number;
  }

  /** Keys numbered so far. */
  get size(): number {
    return this.numbers.size;
  }
}

/**
 * A {@link KeyIndex} over a shared {@link KeyNumbering}: one array cell per number instead of one
 * hash-table entry per key. Thousands of member tables in one process (a simulation) index the
 * same few thousand ids; this way each table pays a few bytes per member for its index, and the
 * hashing happens once, in the numbering. Values are never `undefined`.
 */
export class DenseKeyIndex<V> implements KeyIndex<V> {
  private readonly values: Array<V | undefined> = [];

  constructor(private readonly numbering: KeyNumbering) {}

  get(key: string): V | undefined {
    const number = this.numbering.find(key);
    return number === undefined ? undefined : this.values[number];
  }

  set(key: string, value: V): void {
    const number = this.numbering.assign(key);
    // Filled up to the number (never a hole past the end), so the array keeps fast elements.
    while (this.values.length <= number) this.values.push(undefined);
    this.values[number] = value;
  }

  delete(key: string): boolean {
    const number = this.numbering.find(key);
    if (number === undefined || this.values[number] === undefined) return false;
    this.values[number] = undefined;
    return true;
  }
}
