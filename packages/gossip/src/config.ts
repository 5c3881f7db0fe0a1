import { tryParseHostPort } from '@rpcnet/base';
import { z } from 'zod';
import { ClusterConfigError } from './errors.js';
import type { NodeTags } from './node.js';

const hostPort = z.string().refine((value) => tryParseHostPort(value) !== undefined, {
  message: 'must be "host:port" or "[ipv6]:port" with port 0..65535',
});
const port = z.number().int().min(0).max(65_535);
/** The shortest gossip secret accepted: a guessable secret makes the seal worthless. */
export const MIN_SECRET_LENGTH = 16;

const secretText = z.string().min(MIN_SECRET_LENGTH, {
  message: `must be at least ${MIN_SECRET_LENGTH} characters; use a random secret, e.g. openssl rand -base64 32`,
});

const positiveMs = z.number().int().positive();
const tagsSchema = z.record(z.string().min(1).max(256), z.string().max(256));

/**
 * The zod schema of {@link ClusterConfig}. Defaults are the LAN ones (see {@link lanClusterConfig}); every field
 * is documented on {@link ClusterConfig} and in `docs/membership-protocol.md`.
 */
export const clusterConfigSchema = z
  .object({
    /** Node id; a fresh nanoid is generated when absent. */
    nodeId: z.string().min(1).max(64).optional(),
    /** Interface the gossip UDP socket binds to. Default `0.0.0.0`. */
    bindAddr: z.string().min(1).default('0.0.0.0'),
    /** Gossip UDP port, separate from the RPC port; 0 picks a free port. Default 7946. */
    gossipPort: port.default(7946),
    /** Host other nodes use to reach this one, when it differs from the bound one (NAT, 0.0.0.0). */
    advertiseAddr: z.string().min(1).optional(),
    /** Port other nodes use to reach this one; default the bound gossip port. */
    advertisePort: port.optional(),
    /** RPC (QUIC) address advertised to other members as `host:port`, if this node serves RPC. */
    rpcAddress: hostPort.optional(),
    /** Gossip addresses (`host:port`) contacted by `join()` and re-contacted to heal partitions. */
    seedNodes: z.array(hostPort).default([]),
    /** Tags this node starts with, e.g. `{ role: 'worker' }`. Default none. */
    tags: tagsSchema.default({}),
    /** Period of the gossip round that sends pending updates to a few random members. 200 ms. */
    gossipIntervalMs: positiveMs.default(200),
    /** Members each gossip round sends to. Default 3. */
    gossipFanout: z.number().int().min(1).max(64).default(3),
    /** Protocol period: one member is probed per period (stretched by local health). 1000 ms. */
    probeIntervalMs: positiveMs.default(1000),
    /** Wait for a direct ack before asking others to probe (stretched by local health). 500 ms. */
    probeTimeoutMs: positiveMs.default(500),
    /** Members asked to probe a target that missed its direct ack. Default 3. */
    indirectProbeCount: z.number().int().min(0).max(16).default(3),
    /** Suspicion timeout = mult * max(1, log10(n)) * probe interval (shortest). Default 4. */
    suspicionMultiplier: z.number().int().min(1).max(100).default(4),
    /**
     * How the shortest suspicion timeout is sized: `adaptive` (default) from the refutation time
     * this node measures (never above memberlist's), `memberlist` from
     * `suspicionMultiplier * max(1, log10 n) * probeIntervalMs`. See `docs/membership-protocol.md`.
     */
    suspicionRule: z.enum(['adaptive', 'memberlist']).default('adaptive'),
    /**
     * A timer firing this much later than due means this process was not scheduled (paused, GC,
     * CPU starvation): it refutes at once and accuses nobody for the stall. Default 300 ms.
     */
    pauseThresholdMs: positiveMs.default(300),
    /** Longest suspicion timeout, as a multiple of the shortest one (Lifeguard). Default 6. */
    suspicionMaxTimeoutMultiplier: z.number().int().min(1).max(100).default(6),
    /** Each update is retransmitted mult * ceil(log10(n + 1)) times. Default 4. */
    retransmitMultiplier: z.number().int().min(1).max(100).default(4),
    /** Period of full-state anti-entropy with one random member (scaled up above 32 nodes). 30 s. */
    pushPullIntervalMs: positiveMs.default(30_000),
    /** Phi at or above which a member's silence is trusted enough to suspect it at once. 8. */
    phiThreshold: z.number().positive().default(8),
    /** Upper bound of the local health multiplier applied to probe timeouts (Lifeguard). 8. */
    awarenessMaxMultiplier: z.number().int().min(1).max(64).default(8),
    /** Largest datagram sent or accepted, in bytes. Default 1400 (fits an Ethernet MTU). */
    maxDatagramBytes: z.number().int().min(512).max(65_507).default(1400),
    /**
     * Shared secret: datagrams are sealed with AES-256-GCM under a key derived from it (scrypt).
     * At least 16 characters; use a random one (`openssl rand -base64 32`).
     */
    secret: secretText.optional(),
    /** Older secrets still accepted on receive during a key rotation. Default none. */
    acceptedSecrets: z.array(secretText).default([]),
    /** `join()` gives up with JOIN_FAILED after this long. Default 10 s. */
    joinTimeoutMs: positiveMs.default(10_000),
    /** First retry delay of `join()`; doubles per attempt up to `joinRetryMaxMs`. 250 ms. */
    joinRetryInitialMs: positiveMs.default(250),
    /** Longest delay between `join()` attempts. Default 2000 ms. */
    joinRetryMaxMs: positiveMs.default(2000),
    /** Longest wait in `leave()` for the Left update to be sent. Default 2000 ms. */
    leaveTimeoutMs: positiveMs.default(2000),
    /** Dead members are still gossiped to for this long (lets a wrongly-failed node refute). 30 s. */
    gossipToTheDeadMs: positiveMs.default(30_000),
    /** Period of reconnect attempts (push-pull) to one dead member and one absent seed. 5 s. */
    reconnectIntervalMs: positiveMs.default(5000),
    /** Dead and left records are forgotten after this long. Default 1 h. */
    deadNodeRetentionMs: positiveMs.default(3_600_000),
    /** Fraction of members failing within `partitionWindowMs` that signals a partition. 1/3. */
    partitionFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(1 / 3),
    /** Window in which failures count towards the partition rule. Default 30 s. */
    partitionWindowMs: positiveMs.default(30_000),
    /** Fewest failed members within the window for a partition (a lone crash is not one). 2. */
    partitionMinUnreachable: z.number().int().min(1).default(2),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.probeTimeoutMs >= config.probeIntervalMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['probeTimeoutMs'],
        message: 'must be smaller than probeIntervalMs',
      });
    }
    if (config.joinRetryInitialMs > config.joinRetryMaxMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['joinRetryInitialMs'],
        message: 'must not exceed joinRetryMaxMs',
      });
    }
  });

/**
 * Validated configuration of a gossip node. Each field's default (LAN preset) is in its doc comment
 * in {@link clusterConfigSchema} and in `docs/membership-protocol.md`.
 */
export type ClusterConfig = Readonly<z.output<typeof clusterConfigSchema>>;

/** What {@link parseClusterConfig} accepts: any subset of fields; the rest take defaults. */
export type ClusterConfigInput = z.input<typeof clusterConfigSchema>;

/** Validates `input` and fills defaults; throws {@link ClusterConfigError} naming the field. */
export function parseClusterConfig(input: ClusterConfigInput = {}): ClusterConfig {
  const parsed = clusterConfigSchema.safeParse(input);
  if (parsed.success) return Object.freeze(parsed.data);
  const issue = parsed.error.issues[0];
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = issue?.path.map(String).join('.') ?? '';
  const field = unknownKey ?? (path === '' ? 'config' : path);
  const reason = unknownKey !== undefined ? 'is not a known field' : (issue?.message ?? 'invalid');
  throw new ClusterConfigError(field, reason);
}

/** LAN preset (memberlist's LAN timings): the schema defaults, with `overrides` applied. */
export function lanClusterConfig(overrides: ClusterConfigInput = {}): ClusterConfig {
  return parseClusterConfig(overrides);
}

/** WAN preset: slower probes, longer timeouts, wider gossip; `overrides` applied on top. */
export function wanClusterConfig(overrides: ClusterConfigInput = {}): ClusterConfig {
  return parseClusterConfig({
    gossipIntervalMs: 500,
    gossipFanout: 4,
    probeIntervalMs: 5000,
    probeTimeoutMs: 3000,
    suspicionMultiplier: 6,
    pushPullIntervalMs: 60_000,
    gossipToTheDeadMs: 60_000,
    reconnectIntervalMs: 10_000,
    partitionWindowMs: 120_000,
    joinTimeoutMs: 30_000,
    leaveTimeoutMs: 5000,
    ...overrides,
  });
}

/** Loopback/single-host preset: fast probes and short timeouts; `overrides` applied on top. */
export function localClusterConfig(overrides: ClusterConfigInput = {}): ClusterConfig {
  return parseClusterConfig({
    bindAddr: '127.0.0.1',
    gossipIntervalMs: 100,
    probeIntervalMs: 1000,
    probeTimeoutMs: 200,
    indirectProbeCount: 1,
    suspicionMultiplier: 3,
    retransmitMultiplier: 2,
    pushPullIntervalMs: 15_000,
    gossipToTheDeadMs: 15_000,
    reconnectIntervalMs: 2000,
    partitionWindowMs: 20_000,
    deadNodeRetentionMs: 300_000,
    ...overrides,
  });
}

function rebuild(config: ClusterConfig, changes: ClusterConfigInput): ClusterConfig {
  return parseClusterConfig({ ...config, ...changes });
}

/** Returns `config` bound to `host` (and `port`, when given). */
export function withBindAddr(
  config: ClusterConfig,
  host: string,
  gossipPort?: number,
): ClusterConfig {
  return rebuild(
    config,
    gossipPort === undefined ? { bindAddr: host } : { bindAddr: host, gossipPort },
  );
}

/** Returns `config` with the gossip UDP port set. */
export function withGossipPort(config: ClusterConfig, gossipPort: number): ClusterConfig {
  return rebuild(config, { gossipPort });
}

/** Returns `config` advertising `host` (and `port`) to other members. */
export function withAdvertiseAddr(
  config: ClusterConfig,
  host: string,
  advertisePort?: number,
): ClusterConfig {
  return rebuild(
    config,
    advertisePort === undefined ? { advertiseAddr: host } : { advertiseAddr: host, advertisePort },
  );
}

/** Returns `config` advertising `rpcAddress` (`host:port`) as this node's RPC endpoint. */
export function withRpcAddress(config: ClusterConfig, rpcAddress: string): ClusterConfig {
  return rebuild(config, { rpcAddress });
}

/** Returns `config` with the seed gossip addresses replaced by `seedNodes`. */
export function withSeedNodes(config: ClusterConfig, seedNodes: readonly string[]): ClusterConfig {
  return rebuild(config, { seedNodes: [...seedNodes] });
}

/** Returns `config` with `tags` merged over its tags. */
export function withTags(config: ClusterConfig, tags: NodeTags): ClusterConfig {
  return rebuild(config, { tags: { ...config.tags, ...tags } });
}

/** Returns `config` with one tag set. */
export function withTag(config: ClusterConfig, key: string, value: string): ClusterConfig {
  return withTags(config, { [key]: value });
}

/** Returns `config` with gossip sealed under `secret` (older ones stay accepted via `acceptedSecrets`). */
export function withSecret(config: ClusterConfig, secret: string): ClusterConfig {
  return rebuild(config, { secret });
}

/** Returns `config` with a fixed node id instead of a generated one. */
export function withNodeId(config: ClusterConfig, nodeId: string): ClusterConfig {
  return rebuild(config, { nodeId });
}
