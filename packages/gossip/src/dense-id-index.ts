import type { KeyIndex, KeyNumbering } from './dense-key-index.js';
import { grownArray } from './grown-array.js';
import type { NodeId } from './node.js';

/** Cells of a {@link DenseIdIndex}: an id's number plus one, or one of these. */
const NONE = 0;
const SEVERAL = -1;

/**
 * A {@link KeyIndex} from keys (gossip addresses) to the id, or rarely the ids, of the records
 * there, over a numbering of the keys and one of the ids, both shared by many indexes: an
 * `Int32Array` cell per key, outside the JS heap. A member table of a simulation of n members
 * indexes n addresses; a pointer per address in each table was n^2 pointers for every full
 * garbage collection to visit (800 MB of them at 10,000 members).
 */
export class DenseIdIndex implements KeyIndex<NodeId | Set<NodeId>> {
  private cells = new Int32Array(16);
  /** The ids of keys whose cell is {@link SEVERAL}, by the key's number. */
  private readonly several = new Map<number, Set<NodeId>>();

  constructor(
    private readonly keys: KeyNumbering,
    private readonly ids: KeyNumbering,
  ) {}

  get(key: string): NodeId | Set<NodeId> | undefined {
    const number = this.keys.find(key);
    if (number === undefined || number >= this.cells.length) return undefined;
    const cell = this.cells[number]!;
    if (cell === NONE) return undefined;
    return cell === SEVERAL ? this.several.get(number) : this.ids.keyOf(cell - 1);
  }

  set(key: string, value: NodeId | Set<NodeId>): void {
    const number = this.keys.assign(key);
    if (number >= this.cells.length) {
      this.cells = grownArray(this.cells, Math.max(number + 1, this.cells.length * 2));
    }
    if (typeof value === 'string') {
      this.cells[number] = this.ids.assign(value) + 1;
      this.several.delete(number);
    } else {
      this.cells[number] = SEVERAL;
      this.several.set(number, value);
    }
  }

  delete(key: string): boolean {
    const number = this.keys.find(key);
    if (number === undefined || number >= this.cells.length) return false;
    if (this.cells[number] === NONE) return false;
    this.cells[number] = NONE;
    this.several.delete(number);
    return true;
  }
}
