import type { NodeState } from '@rpcnet/gossip';
import { HEALTHY_TAG } from '@rpcnet/registry';
import { MANAGEMENT_API_VERSION } from './management-api.js';
import type { ManagedCluster } from './sources.js';

/** `GET /readyz`: whether this member should get traffic now, and why not. */
export interface ReadinessDocument {
  readonly version: typeof MANAGEMENT_API_VERSION;
  readonly ready: boolean;
  /** Why it is not ready; empty when ready. */
  readonly reasons: readonly string[];
  /** Members this node holds alive, itself included. */
  readonly aliveMembers: number;
  /** Alive members (itself included) it needs to count as joined. */
  readonly minMembers: number;
}

/**
 * Ready when the member runs, holds itself alive, is not marked unhealthy (a draining server
 * tags itself `healthy=false`) and sees at least `minMembers` alive members, itself included:
 * with the default 2 it has joined a cluster. Lifeguard's local health is left out on purpose:
 * an overloaded cluster would take every member out of service at once.
 */
export function readiness(cluster: ManagedCluster, minMembers: number): ReadinessDocument {
  const reasons: string[] = [];
  let aliveMembers = 0;
  if (!cluster.running) {
    reasons.push('the cluster member is not running');
  } else {
    const self = cluster.localNode();
    const state: NodeState = self.state;
    if (state !== 'alive') reasons.push(`this member is ${state}`);
    if (self.tags[HEALTHY_TAG] === 'false')
      reasons.push('this member is marked unhealthy (draining)');
    aliveMembers = cluster.members().filter((member) => member.state === 'alive').length;
    if (aliveMembers < minMembers) {
      reasons.push(`not joined: ${aliveMembers} of ${minMembers} members alive`);
    }
  }
  return {
    version: MANAGEMENT_API_VERSION,
    ready: reasons.length === 0,
    reasons,
    aliveMembers,
    minMembers,
  };
}
