import type { NodeId } from './node.js';

/**
 * Cells of one chunk. An insertion moves at most this many numbers plus a walk over the chunks'
 * lengths, instead of every id after it: a newcomer costs O(sqrt n), not O(n), which matters
 * when thousands of members join at once (O(n^3) over a simulated formation of n).
 */
const CHUNK_CELLS = 128;

/** Numbers for ids: a numbering shared by many rounds (a simulation's), or a round's own list. */
export interface IdNumbering {
  /** The number of `id` (a new one for an id not numbered yet). */
  assign(id: NodeId): number;
  /** The id numbered `number`. */
  keyOf(number: number): NodeId;
}

/** A round's own numbering: the ids of the round in a list, each new one appended. */
class RoundIds implements IdNumbering {
  private ids: NodeId[] = [];

  clear(): void {
    this.ids = [];
  }

  assign(id: NodeId): number {
    return this.ids.push(id) - 1;
  }

  keyOf(number: number): NodeId {
    return this.ids[number]!;
  }
}

/**
 * One round-robin cycle of probe targets: the ids not yet probed, in order. The same sequence
 * as one array with the probed ids ahead of an index, and the same result for each insertion, at
 * a fraction of the cost in a large cluster. The order holds numbers (an id's in the numbering)
 * in chunks, each a region of {@link CHUNK_CELLS} cells of one `Int32Array`: moving them is a
 * plain memory move, where moving ids in JS arrays also runs the garbage collector's write barrier
 * for each id moved (inserting took 11% of the CPU of a 10,000-member simulation with chunks of
 * 256 ids in JS arrays), and a chunk split takes a free region instead of allocating a typed
 * array (allocating one per split took a tenth of a 10,000-member formation's first milliseconds).
 */
export class ProbeRound {
  /** The numbers the order holds: the shared numbering, or {@link own}. */
  private readonly numbering: IdNumbering;
  /** The round's own list of ids, emptied at each start (none with a shared numbering). */
  private readonly own: RoundIds | undefined;
  /** The regions: region r is cells [r * CHUNK_CELLS, (r + 1) * CHUNK_CELLS). */
  private cells = new Int32Array(0);
  /** Regions not holding a chunk. */
  private free: number[] = [];
  /** The region of each chunk, in order. */
  private chunks: number[] = [];
  /** Cells used in each chunk, the first chunk's taken ones included. */
  private lengths: number[] = [];
  /** Position of the next number in the first chunk (numbers ahead of it were taken). */
  private head = 0;
  private unprobed = 0;
  private taken = 0;

  /**
   * `shared`: number ids by it (a simulation's pool numbering, where every member's round holds
   * nearly every member: a list of ids per round was n^2 pointers); default: the round's own list.
   */
  constructor(shared?: IdNumbering) {
    this.own = shared === undefined ? new RoundIds() : undefined;
    this.numbering = shared ?? this.own!;
  }

  /** Ids in the round, taken ones included. */
  get length(): number {
    return this.taken + this.unprobed;
  }

  /** Ids not taken yet. */
  get remaining(): number {
    return this.unprobed;
  }

  /** Starts a new round over `ids`, in their order. */
  start(ids: readonly NodeId[]): void {
    this.own?.clear();
    this.chunks = [];
    this.lengths = [];
    // Chunks start half full, so the first insertions into them move little.
    const fill = CHUNK_CELLS >> 1;
    const regions = Math.ceil(ids.length / fill);
    this.cells = new Int32Array(Math.max(1, regions) * CHUNK_CELLS);
    this.free = [];
    for (let region = this.cells.length / CHUNK_CELLS - 1; region >= regions; region--)
      this.free.push(region);
    for (let start = 0, region = 0; start < ids.length; start += fill, region++) {
      const end = Math.min(ids.length, start + fill);
      const base = region * CHUNK_CELLS;
      for (let index = start; index < end; index++)
        this.cells[base + index - start] = this.numbering.assign(ids[index]!);
      this.chunks.push(region);
      this.lengths.push(end - start);
    }
    this.head = 0;
    this.unprobed = ids.length;
    this.taken = 0;
  }

  /** Takes the next id of the round, or undefined once every one was taken. */
  next(): NodeId | undefined {
    const first = this.chunks[0];
    if (first === undefined || this.unprobed === 0) return undefined;
    const id = this.numbering.keyOf(this.cells[first * CHUNK_CELLS + this.head++]!);
    this.unprobed--;
    this.taken++;
    if (this.head === this.lengths[0]) {
      this.free.push(this.chunks.shift()!);
      this.lengths.shift();
      this.head = 0;
    }
    return id;
  }

  /** Inserts `id` so that `offset` ids not yet taken (0..{@link remaining}) come before it. */
  insert(offset: number, id: NodeId): void {
    const { chunks, lengths } = this;
    const number = this.numbering.assign(id);
    this.unprobed++;
    if (chunks.length === 0) {
      const region = this.takeRegion();
      this.cells[region * CHUNK_CELLS] = number;
      chunks.push(region);
      lengths.push(1);
      this.head = 0;
      return;
    }
    let position = this.head + offset;
    let index = 0;
    // Past a chunk's end only when a later chunk exists: the last one takes the rest.
    while (position > lengths[index]! && index < lengths.length - 1) {
      position -= lengths[index]!;
      index++;
    }
    let used = lengths[index]!;
    if (used === CHUNK_CELLS) {
      const base = chunks[index]! * CHUNK_CELLS;
      if (index === 0 && this.head > 0) {
        // The first chunk drops its taken numbers to make room.
        this.cells.copyWithin(base, base + this.head, base + used);
        used -= this.head;
        position -= this.head;
        this.head = 0;
      } else {
        // Split in two halves; the insertion goes to the half that holds its position.
        const half = used >> 1;
        const tail = this.takeRegion();
        // Taking a region may have grown the cells: read the chunk's base from them again.
        const from = chunks[index]! * CHUNK_CELLS;
        this.cells.copyWithin(tail * CHUNK_CELLS, from + half, from + used);
        chunks.splice(index + 1, 0, tail);
        lengths.splice(index + 1, 0, used - half);
        used = half;
        lengths[index] = half;
        if (position > half) {
          position -= half;
          index++;
          used = lengths[index]!;
        }
      }
    }
    const base = chunks[index]! * CHUNK_CELLS;
    this.cells.copyWithin(base + position + 1, base + position, base + used);
    this.cells[base + position] = number;
    lengths[index] = used + 1;
  }

  /** A free region, doubling the cells when none is left. */
  private takeRegion(): number {
    const free = this.free.pop();
    if (free !== undefined) return free;
    const regions = this.cells.length / CHUNK_CELLS;
    const grown = new Int32Array(Math.max(2, 2 * regions) * CHUNK_CELLS);
    grown.set(this.cells);
    this.cells = grown;
    for (let region = grown.length / CHUNK_CELLS - 1; region > regions; region--)
      this.free.push(region);
    return regions;
  }
}
