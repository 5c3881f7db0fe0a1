import { formatHostPort, type HostPort, parseHostPort } from 'rpcnet';
import { z } from 'zod';

/** The log levels the examples understand, quietest last. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Gossip ports default to the RPC port plus this offset (61000 -> 62000, 62001 -> 63001). */
export const GOSSIP_PORT_OFFSET = 1000;

/** Durations of the simulated worker failure cycle, in milliseconds. */
export interface FailureDurations {
  /** A running phase lasts a random time in [runMinMs, runMaxMs] (`WORKER_RUN_MS`: `min-max` or one value). */
  readonly runMinMs: number;
  readonly runMaxMs: number;
  readonly warningMs: number;
  readonly failedMs: number;
  readonly recoveringMs: number;
}

/** Everything the example processes read from the environment, validated. */
export interface ExampleSettings {
  /** Director RPC address (`DIRECTOR_ADDR`). */
  readonly directorAddr: HostPort;
  /** Director gossip address: `DIRECTOR_GOSSIP_PORT` or RPC port + 1000, on the director host. */
  readonly directorGossipAddr: HostPort;
  /** How often the cluster example's director sends each worker a request (`DIRECTOR_REQUEST_INTERVAL_MS`). */
  readonly directorRequestIntervalMs: number;
  /** This worker's label (`WORKER_LABEL`). */
  readonly workerLabel: string;
  /** This worker's RPC address (`WORKER_ADDR`). */
  readonly workerAddr: HostPort;
  /** This worker's gossip port: `WORKER_GOSSIP_PORT` or RPC port + 1000. */
  readonly workerGossipPort: number;
  /** Whether this worker runs the failure cycle (`WORKER_FAILURE_ENABLED`). */
  readonly failureEnabled: boolean;
  /** Phase lengths of the failure cycle (`WORKER_RUN_MS`, `_WARNING_MS`, `_FAILED_MS`, `_RECOVERING_MS`). */
  readonly failure: FailureDurations;
  /** Seed of the random running-phase lengths (`WORKER_FAILURE_SEED`); drawn at start when unset. */
  readonly failureSeed: number;
  /** Delay between two generated tokens (`TOKEN_INTERVAL_MS`). */
  readonly tokenIntervalMs: number;
  /** `director` (ask the director, then stream from the worker) or `cluster-client` (`CLIENT_MODE`). */
  readonly clientMode: 'director' | 'cluster-client';
  /** Concurrent client sessions (`CLIENT_SESSIONS`). */
  readonly clientSessions: number;
  /** Tokens requested per generate call (`CLIENT_TOKENS`). */
  readonly clientTokens: number;
  /** Delay between two messages of the connection_swap client (`SWAP_MESSAGE_INTERVAL_MS`). */
  readonly swapMessageIntervalMs: number;
  /** Gossip port of a client in cluster-client mode (`CLIENT_GOSSIP_PORT`, 0 = any free port). */
  readonly clientGossipPort: number;
  /** `RPCNET_LOG`, else `LOG_LEVEL`, else `info`. */
  readonly logLevel: LogLevel;
  /** Where the shared development certificate lives (`RPCNET_DEV_CERT_DIR`), if set. */
  readonly devCertDir: string | undefined;
  /** Where the director serves the management endpoint and web console (`MANAGEMENT_ADDR`). */
  readonly managementAddr: HostPort;
  /** Where a worker serves its management endpoint and probes (`WORKER_MANAGEMENT_ADDR`); off when unset. */
  readonly workerManagementAddr: HostPort | undefined;
  /** Gossip is sealed with this secret (`RPCNET_GOSSIP_SECRET`), if set. */
  readonly gossipSecret: string | undefined;
}

const address = z.string().transform((value, ctx) => {
  try {
    return parseHostPort(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid' });
    return z.NEVER;
  }
});
const port = z.coerce.number().int().min(0).max(65_535);
const positiveMs = z.coerce.number().int().positive();
/** `10000-25000` (a random time in that range) or `1500` (always that long). */
const msRange = z.string().transform((value, ctx) => {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
  const min = Number(match?.[1]);
  const max = match?.[2] === undefined ? min : Number(match[2]);
  if (match === null || min <= 0 || max < min) {
    ctx.addIssue({ code: 'custom', message: `expected <ms> or <min>-<max> ms, got "${value}"` });
    return z.NEVER;
  }
  return { min, max };
});
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const level = z.string().toLowerCase().pipe(z.enum(LOG_LEVELS));

const environmentSchema = z.object({
  DIRECTOR_ADDR: address.default(parseHostPort('127.0.0.1:61000')),
  DIRECTOR_GOSSIP_PORT: port.optional(),
  MANAGEMENT_ADDR: address.default(parseHostPort('127.0.0.1:0')),
  WORKER_MANAGEMENT_ADDR: address.optional(),
  DIRECTOR_REQUEST_INTERVAL_MS: positiveMs.default(5000),
  WORKER_LABEL: z.string().min(1).max(64).default('worker-1'),
  WORKER_ADDR: address.default(parseHostPort('127.0.0.1:62001')),
  WORKER_GOSSIP_PORT: port.optional(),
  WORKER_FAILURE_ENABLED: flag.default(false),
  WORKER_RUN_MS: msRange.default({ min: 10_000, max: 25_000 }),
  WORKER_FAILURE_SEED: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  WORKER_WARNING_MS: positiveMs.default(3000),
  WORKER_FAILED_MS: positiveMs.default(5000),
  WORKER_RECOVERING_MS: positiveMs.default(2000),
  TOKEN_INTERVAL_MS: positiveMs.default(100),
  CLIENT_MODE: z.enum(['director', 'cluster-client']).default('director'),
  CLIENT_SESSIONS: z.coerce.number().int().min(1).max(64).default(3),
  CLIENT_TOKENS: z.coerce.number().int().min(1).max(10_000).default(20),
  CLIENT_GOSSIP_PORT: port.default(0),
  SWAP_MESSAGE_INTERVAL_MS: positiveMs.default(200),
  RPCNET_LOG: level.optional(),
  LOG_LEVEL: level.optional(),
  RPCNET_DEV_CERT_DIR: z.string().min(1).optional(),
  RPCNET_GOSSIP_SECRET: z.string().min(16).optional(),
});

/** Reads and validates the examples' environment variables; an invalid one throws naming it. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): ExampleSettings {
  // Empty variables count as unset, so `WORKER_ADDR= pnpm ...` falls back to the default.
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.map(String).join('.') || 'environment';
    throw new Error(`environment variable ${name}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  return {
    directorAddr: e.DIRECTOR_ADDR,
    directorGossipAddr: {
      host: e.DIRECTOR_ADDR.host,
      port: gossipPort(e.DIRECTOR_ADDR, e.DIRECTOR_GOSSIP_PORT, 'DIRECTOR_GOSSIP_PORT'),
    },
    directorRequestIntervalMs: e.DIRECTOR_REQUEST_INTERVAL_MS,
    workerLabel: e.WORKER_LABEL,
    workerAddr: e.WORKER_ADDR,
    workerGossipPort: gossipPort(e.WORKER_ADDR, e.WORKER_GOSSIP_PORT, 'WORKER_GOSSIP_PORT'),
    failureEnabled: e.WORKER_FAILURE_ENABLED,
    failureSeed: e.WORKER_FAILURE_SEED ?? Math.floor(Math.random() * 2 ** 31),
    failure: {
      runMinMs: e.WORKER_RUN_MS.min,
      runMaxMs: e.WORKER_RUN_MS.max,
      warningMs: e.WORKER_WARNING_MS,
      failedMs: e.WORKER_FAILED_MS,
      recoveringMs: e.WORKER_RECOVERING_MS,
    },
    tokenIntervalMs: e.TOKEN_INTERVAL_MS,
    clientMode: e.CLIENT_MODE,
    clientSessions: e.CLIENT_SESSIONS,
    clientTokens: e.CLIENT_TOKENS,
    clientGossipPort: e.CLIENT_GOSSIP_PORT,
    swapMessageIntervalMs: e.SWAP_MESSAGE_INTERVAL_MS,
    logLevel: e.RPCNET_LOG ?? e.LOG_LEVEL ?? 'info',
    devCertDir: e.RPCNET_DEV_CERT_DIR,
    managementAddr: e.MANAGEMENT_ADDR,
    workerManagementAddr: e.WORKER_MANAGEMENT_ADDR,
    gossipSecret: e.RPCNET_GOSSIP_SECRET,
  };
}

/** The explicit gossip port, or the RPC port + {@link GOSSIP_PORT_OFFSET} (0 stays 0). */
function gossipPort(rpc: HostPort, explicit: number | undefined, variable: string): number {
  if (explicit !== undefined) return explicit;
  if (rpc.port === 0) return 0;
  const derived = rpc.port + GOSSIP_PORT_OFFSET;
  if (derived > 65_535) {
    throw new Error(
      `environment variable ${variable}: RPC port ${rpc.port} + ${GOSSIP_PORT_OFFSET} is above 65535; set ${variable}`,
    );
  }
  return derived;
}

/** `host:port` of an address, for log lines and seeds. */
export function showAddress(address: HostPort): string {
  return formatHostPort(address);
}

/** {@link readSettings} for an entry point: an invalid variable ends the process with one line. */
export function readSettingsOrExit(env: NodeJS.ProcessEnv = process.env): ExampleSettings {
  try {
    return readSettings(env);
  } catch (error) {
    console.error(`❌ ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}
