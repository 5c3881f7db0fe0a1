import type { NodeId } from './node.js';

/**
 * Most ids in one chunk before it splits in two. An insertion moves at most this many ids plus a
 * walk over the chunks, instead of every id after it: a newcomer costs O(sqrt n), not O(n), which
 * matters when thousands of members join at once (O(n^3) over a simulated formation of n).
 */
const MAX_CHUNK = 256;

/**
 * One round-robin cycle of probe targets: the ids not yet probed, in order, as a list of chunks.
 * The same sequence as one array with the probed ids ahead of an index, and the same result for
 * each insertion, at a fraction of the cost in a large cluster.
 */
export class ProbeRound {
  private chunks: NodeId[][] = [];
  /**
   * Each chunk's length, the first chunk's taken ids included: an insertion finds its chunk in
   * this one small array instead of visiting every chunk before it.
   */
  private lengths: number[] = [];
  /** Position of the next id in the first chunk (ids ahead of it were taken). */
  private head = 0;
  private unprobed = 0;
  private taken = 0;

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
    this.chunks = [];
    this.lengths = [];
    for (let i = 0; i < ids.length; i += MAX_CHUNK) {
      const chunk = ids.slice(i, i + MAX_CHUNK);
      this.chunks.push(chunk);
      this.lengths.push(chunk.length);
    }
    this.head = 0;
    this.unprobed = ids.length;
    this.taken = 0;
  }

  /** Takes the next id of the round, or undefined once every one was taken. */
  next(): NodeId | undefined {
    const first = this.chunks[0];
    if (first === undefined || this.unprobed === 0) return undefined;
    const id = first[this.head++]!;
    this.unprobed--;
    this.taken++;
    if (this.head === first.length) {
      this.chunks.shift();
      this.lengths.shift();
      this.head = 0;
    }
    return id;
  }

  /** Inserts `id` so that `offset` ids not yet taken (0..{@link remaining}) come before it. */
  insert(offset: number, id: NodeId): void {
    const { chunks, lengths } = this;
    this.unprobed++;
    if (chunks.length === 0) {
      chunks.push([id]);
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
    const chunk = chunks[index]!;
    chunk.splice(position, 0, id);
    lengths[index] = chunk.length;
    if (chunk.length > MAX_CHUNK) {
      // The first chunk drops its taken ids before it splits, so `head` stays inside it.
      if (index === 0 && this.head > 0) {
        chunk.splice(0, this.head);
        lengths[0] = chunk.length;
        this.head = 0;
        if (chunk.length <= MAX_CHUNK) return;
      }
      const tail = chunk.splice(chunk.length >> 1);
      lengths[index] = chunk.length;
      chunks.splice(index + 1, 0, tail);
      lengths.splice(index + 1, 0, tail.length);
    }
  }
}
