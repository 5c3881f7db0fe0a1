import type { ClusterNode } from './node.js';

/** Records by position, as a member table's slots or an array hold them. */
export interface RecordList {
  readonly length: number;
  at(index: number): ClusterNode | undefined;
  /** The records of [start, end) (to the end without `end`), as a new array. */
  slice(start: number, end?: number): ClusterNode[];
}

/** The record of each slot of a member table: appended, replaced, and the last one removed. */
export interface RecordColumn extends RecordList {
  at(slot: number): ClusterNode;
  push(record: ClusterNode): void;
  set(slot: number, record: ClusterNode): void;
  pop(): void;
  values(): IterableIterator<ClusterNode>;
}

/** A {@link RecordColumn} in an array: a table holding its own records. */
export class ArrayRecordColumn implements RecordColumn {
  private readonly records: ClusterNode[] = [];

  get length(): number {
    return this.records.length;
  }

  at(slot: number): ClusterNode {
    return this.records[slot]!;
  }

  push(record: ClusterNode): void {
    this.records.push(record);
  }

  set(slot: number, record: ClusterNode): void {
    this.records[slot] = record;
  }

  pop(): void {
    this.records.pop();
  }

  slice(start: number, end?: number): ClusterNode[] {
    return this.records.slice(start, end);
  }

  values(): IterableIterator<ClusterNode> {
    return this.records.values();
  }
}
