/** What a {@link CallTable} needs of a call: the id it is found by. */
export interface IdentifiedCall {
  readonly id: number;
}

const INITIAL_SLOTS = 64;

/**
 * The calls in flight on one connection, by id: open addressing with linear probing in a plain
 * array, at most half full. Not a Map: a Map that calls keep entering and leaving rebuilds its
 * table every few dozen calls, and V8 links each old table to its successor. Once one of them
 * has been promoted, that chain keeps every call (with its promises and buffers) alive past
 * young-generation collections until the next full one: measured at 64 in flight, in-memory,
 * 3 µs of CPU per call became 10-14 µs, 59% of it in the garbage collector, depending only on
 * when the first promotion happened.
 */
export class CallTable<C extends IdentifiedCall> {
  #slots: Array<C | undefined> = new Array<C | undefined>(INITIAL_SLOTS).fill(undefined);
  #mask = INITIAL_SLOTS - 1;
  #size = 0;

  /** Calls in the table. */
  get size(): number {
    return this.#size;
  }

  /** The call with `id`, if it is in the table. */
  get(id: number): C | undefined {
    const slots = this.#slots;
    for (let slot = id & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const call = slots[slot];
      if (call === undefined || call.id === id) return call;
    }
  }

  /** Adds `call`; no call with its id may be in the table. */
  add(call: C): void {
    if ((this.#size + 1) * 2 > this.#slots.length) this.#grow();
    this.#place(call);
    this.#size += 1;
  }

  /** Removes `call` (that very call, not another with its id); false when it was not there. */
  delete(call: C): boolean {
    const slots = this.#slots;
    const mask = this.#mask;
    let hole = call.id & mask;
    while (slots[hole] !== call) {
      if (slots[hole] === undefined) return false;
      hole = (hole + 1) & mask;
    }
    slots[hole] = undefined;
    this.#size -= 1;
    // Backward shift: a later call of the same run whose home is not between the hole and its
    // slot moves into the hole, so lookups never stop early at it.
    for (let slot = (hole + 1) & mask; ; slot = (slot + 1) & mask) {
      const next = slots[slot];
      if (next === undefined) return true;
      const home = next.id & mask;
      const stays = hole <= slot ? hole < home && home <= slot : hole < home || home <= slot;
      if (!stays) {
        slots[hole] = next;
        slots[slot] = undefined;
        hole = slot;
      }
    }
  }

  /** A snapshot of the calls in the table: safe to change the table while going through it. */
  values(): C[] {
    const calls: C[] = [];
    for (const call of this.#slots) if (call !== undefined) calls.push(call);
    return calls;
  }

  #place(call: C): void {
    let slot = call.id & this.#mask;
    while (this.#slots[slot] !== undefined) slot = (slot + 1) & this.#mask;
    this.#slots[slot] = call;
  }

  #grow(): void {
    const calls = this.values();
    this.#slots = new Array<C | undefined>(this.#slots.length * 2).fill(undefined);
    this.#mask = this.#slots.length - 1;
    for (const call of calls) this.#place(call);
  }
}
