import type { CancelTimer, MonotonicClock as Clock, Logger, RandomSource } from '@rpcnet/base';
import type { Awareness } from './awareness.js';
import type { ClusterConfig } from './config.js';
import type { MemberTable } from './member-table.js';
import type { MessageCodec } from './message-codec.js';
import type { GossipMessage } from './messages.js';
import type { GossipMetrics } from './metrics.js';
import type { ClusterNode, NodeId } from './node.js';
import type { PauseGuard } from './pause-guard.js';

/** Where a {@link SwimProtocol} is in its life: created, started, leaving, left or stopped. */
export type Lifecycle = 'created' | 'running' | 'leaving' | 'left' | 'stopped';

/**
 * What the parts of the protocol (probing, push-pull, join) share with the `SwimProtocol` that
 * owns them: its state, its clock and its way of sending. One instance per node.
 */
export interface SwimContext {
  readonly config: ClusterConfig;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  readonly localId: NodeId;
  readonly memberTable: MemberTable;
  readonly counters: GossipMetrics;
  readonly awareness: Awareness;
  readonly pauseGuard: PauseGuard;
  /** Encodes what {@link transmit} sends. */
  readonly codec: MessageCodec;
  /** The address our transport is bound to (never a destination). */
  readonly localAddress: string;
  lifecycle(): Lifecycle;
  /** Sends `messages`, filling the rest of the datagram with pending updates when `piggyback`. */
  send(address: string, messages: GossipMessage[], piggyback: boolean): void;
  /** Sends one datagram made of already encoded messages. */
  transmit(address: string, messages: readonly Uint8Array[]): void;
  /** A one-shot timer that `stop()` cancels. */
  after(delayMs: number, callback: () => void): CancelTimer;
  /** Up to `count` distinct random remote nodes accepted by `accept`. */
  sample(count: number, accept: (node: ClusterNode) => boolean): ClusterNode[];
  /** Live members other than this one. */
  otherLiveCount(): number;
}
