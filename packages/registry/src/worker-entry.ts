import type { ClusterNode, NodeId, NodeState, NodeTags } from '@rpcnet/gossip';
import { LatencyTracker } from './latency-tracker.js';
import type { Worker } from './worker.js';

/** The registry's mutable record of one worker; strategies see it through the `Worker` interface. */
export class WorkerEntry implements Worker {
  readonly id: NodeId;
  node: ClusterNode;
  rpcAddress: string;
  inFlight = 0;
  readonly latency: LatencyTracker;
  /** False once the worker left the registry; leases still running on it release harmlessly. */
  active = true;

  constructor(node: ClusterNode, rpcAddress: string, ewmaAlpha: number) {
    this.id = node.id;
    this.node = node;
    this.rpcAddress = rpcAddress;
    this.latency = new LatencyTracker(ewmaAlpha);
  }

  get tags(): NodeTags {
    return this.node.tags;
  }

  get state(): NodeState {
    return this.node.state;
  }

  /** A frozen copy safe to hand to callers. */
  snapshot(): Worker {
    return Object.freeze({
      id: this.id,
      rpcAddress: this.rpcAddress,
      tags: this.node.tags,
      state: this.node.state,
      inFlight: this.inFlight,
      latency: this.latency.snapshot(),
      node: this.node,
    });
  }
}
