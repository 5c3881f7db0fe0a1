// Messages exchanged over IPC between the benchmark orchestrator (rpc.ts) and its child
// processes (servers and clients).

/** Which implementation a process runs. */
export type BenchSystem = 'rpcnet' | 'grpc-js' | 'raw-quic';

/** Settings every server child receives as its single argv JSON. */
export interface ServerSpec {
  readonly system: BenchSystem;
  /** UDP payload size for the QUIC-based systems. */
  readonly udpPayload: number;
  readonly certPem: string;
  readonly keyPem: string;
}

/** One measured case, run by a client child. */
export interface ClientSpec {
  readonly system: BenchSystem;
  readonly udpPayload: number;
  readonly caPem: string;
  readonly port: number;
  readonly kind: 'unary' | 'server-stream' | 'raw' | 'raw-stream';
  readonly payloadBytes: number;
  readonly concurrency: number;
  /** Unary and raw: measured window after warm-up. */
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Server-stream: messages in the one call. Raw and raw-stream: frames per write. */
  readonly messages: number;
  /** Server-stream: the case stops (and reports what arrived) after this long. */
  readonly timeLimitMs: number;
}

/** What a client child reports when its case is done. */
export interface ClientResult {
  readonly ops: number;
  readonly durationMs: number;
  readonly latenciesMs: { readonly p50: number; readonly p99: number } | undefined;
  readonly cpuMs: number;
  readonly completed: boolean;
  readonly error?: string;
}

/** Child to parent. */
export type ChildMessage =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'cpu'; readonly cpuMs: number }
  | { readonly type: 'measure-start' }
  | { readonly type: 'measure-end' }
  | { readonly type: 'result'; readonly result: ClientResult }
  | { readonly type: 'failed'; readonly error: string };

/** Parent to child. */
export type ParentMessage =
  | { readonly type: 'cpu?' }
  | { readonly type: 'measure-ack' }
  | { readonly type: 'stop' };

/** First byte on a raw-transport connection: echo everything that follows. */
export const RAW_MODE_ECHO = 0x45;
/** First byte on a raw-transport connection: a uint32 write size follows; the server then writes
 * chunks of that size as fast as backpressure allows (the one-way floor of streaming). */
export const RAW_MODE_STREAM = 0x53;

/** Request of the streaming method: how many messages of which size. */
export function encodeStreamRequest(messages: number, size: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, messages);
  view.setUint32(4, size);
  return out;
}

/** Inverse of {@link encodeStreamRequest}. */
export function decodeStreamRequest(bytes: Uint8Array): { messages: number; size: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { messages: view.getUint32(0), size: view.getUint32(4) };
}

/** CPU time (user + system) of this process so far, in ms. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Sends a message to the parent process (children only). */
export function toParent(message: ChildMessage): void {
  process.send?.(message);
}
