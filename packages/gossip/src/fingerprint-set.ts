/** What a scan needs of a set of fingerprints: a `Set<number>` is one, so is a {@link FingerprintSet}. */
export interface FingerprintLookup {
  has(fingerprint: number): boolean;
}

/**
 * A set of 32-bit record fingerprints in typed arrays (open addressing, linear probing), for the
 * scans of a fingerprint exchange. A `Set<number>` boxes each fingerprint of 2^30 or more in a
 * heap number, about half of them: a simulated formation of 10,000 members fills sets with some
 * 10^8 fingerprints. Fingerprints are already well mixed (`recordFingerprint`), so their low bits
 * index the table.
 */
export class FingerprintSet implements FingerprintLookup {
  private keys: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  private count = 0;

  /** An empty set with room for `expected` fingerprints before it grows. */
  constructor(expected = 0) {
    let capacity = 8;
    while (capacity < 2 * expected) capacity *= 2;
    this.keys = new Uint32Array(capacity);
    this.used = new Uint8Array(capacity);
    this.mask = capacity - 1;
  }

  /** A set of `fingerprints`. */
  static of(fingerprints: ArrayLike<number>): FingerprintSet {
    const set = new FingerprintSet(fingerprints.length);
    for (let i = 0; i < fingerprints.length; i++) set.add(fingerprints[i]!);
    return set;
  }

  /** Fingerprints held. */
  get size(): number {
    return this.count;
  }

  has(fingerprint: number): boolean {
    const { keys, used, mask } = this;
    for (let i = fingerprint & mask; used[i] === 1; i = (i + 1) & mask) {
      if (keys[i] === fingerprint) return true;
    }
    return false;
  }

  /** Adds `fingerprint`; false when it was there already. */
  add(fingerprint: number): boolean {
    const { keys, used, mask } = this;
    let i = fingerprint & mask;
    for (; used[i] === 1; i = (i + 1) & mask) if (keys[i] === fingerprint) return false;
    keys[i] = fingerprint;
    used[i] = 1;
    this.count++;
    // At most half full, so a probe ends soon at an empty cell.
    if (2 * this.count > mask + 1) this.grow();
    return true;
  }

  private grow(): void {
    const { keys, used } = this;
    this.keys = new Uint32Array(2 * keys.length);
    this.used = new Uint8Array(2 * keys.length);
    this.mask = 2 * keys.length - 1;
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (used[i] === 1) this.add(keys[i]!);
  }
}
