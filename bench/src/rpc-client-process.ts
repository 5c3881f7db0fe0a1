// Child process: runs ONE benchmark case as a client and reports the result to the parent.
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { QuicTransport, RpcClient } from '@rpcnet/core';
import { grpcBenchService } from './grpc-bench-service.js';
import { LatencyRecorder } from './measure.js';
import {
  type ClientResult,
  type ClientSpec,
  cpuMs,
  encodeStreamRequest,
  type ParentMessage,
  RAW_MODE_ECHO,
  RAW_MODE_STREAM,
  toParent,
} from './rpc-bench-protocol.js';

/** What a case needs from a system under test. */
interface Caller {
  unary(payload: Uint8Array): Promise<unknown>;
  /** Consumes a server stream; returns the number of messages received. */
  stream(messages: number, size: number, signal: AbortSignal): Promise<number>;
  close(): Promise<void>;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ClientSpec;
const acks: Array<() => void> = [];
process.on('message', (message: ParentMessage) => {
  if (message.type === 'measure-ack') acks.shift()?.();
  if (message.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));

/** Tells the parent a measured window starts or ends, so it can sample the server's CPU. */
function mark(phase: 'measure-start' | 'measure-end'): Promise<void> {
  return new Promise((resolve) => {
    acks.push(resolve);
    toParent({ type: phase });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function rpcnetCaller(): Promise<Caller> {
  const client = await RpcClient.connect(
    { host: '127.0.0.1', port: spec.port },
    { tls: { ca: spec.caPem }, quic: { maxUdpPayloadSize: spec.udpPayload } },
  );
  return {
    unary: (payload) => client.unary('bench.Echo', payload),
    async stream(messages, size, signal) {
      let received = 0;
      try {
        for await (const _ of client.serverStream(
          'bench.Generate',
          encodeStreamRequest(messages, size),
          {
            signal,
          },
        )) {
          received++;
        }
      } catch (error) {
        if (!signal.aborted) throw error;
      }
      return received;
    },
    close: () => client.close(),
  };
}

async function grpcCaller(): Promise<Caller> {
  const Client = makeGenericClientConstructor(grpcBenchService, 'Bench');
  // The certificate names localhost; TLS server names must not be IP addresses (RFC 6066).
  const client = new Client(
    `127.0.0.1:${spec.port}`,
    credentials.createSsl(Buffer.from(spec.caPem)),
    {
      'grpc.ssl_target_name_override': 'localhost',
      'grpc.default_authority': 'localhost',
    },
  );
  const echo = client.echo as unknown as (
    request: Buffer,
    callback: (error: Error | null, response?: Buffer) => void,
  ) => void;
  const generate = client.generate as unknown as (request: Buffer) => NodeJS.EventEmitter & {
    cancel(): void;
  };
  return {
    unary: (payload) =>
      new Promise((resolve, reject) =>
        echo.call(
          client,
          Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      ),
    stream: (messages, size, signal) =>
      new Promise((resolve, reject) => {
        let received = 0;
        const call = generate.call(client, Buffer.from(encodeStreamRequest(messages, size)));
        signal.addEventListener('abort', () => call.cancel(), { once: true });
        call.on('data', () => received++);
        call.on('end', () => resolve(received));
        call.on('error', (error: Error) => (signal.aborted ? resolve(received) : reject(error)));
      }),
    close: async () => client.close(),
  };
}

async function unaryCase(caller: Caller): Promise<ClientResult> {
  const payload = new Uint8Array(spec.payloadBytes).fill(1);
  const latencies = new LatencyRecorder();
  let measuring = false;
  let running = true;
  let completed = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      const started = performance.now();
      await caller.unary(payload);
      if (measuring) {
        latencies.record(performance.now() - started);
        completed++;
      }
    }
  };
  const workers = Array.from({ length: spec.concurrency }, worker);
  const failed = Promise.all(workers).then(
    () => undefined,
    (error: unknown) => error,
  );
  await Promise.race([sleep(spec.warmupMs), failed]);
  await mark('measure-start');
  const cpuStart = cpuMs();
  const start = performance.now();
  measuring = true;
  await Promise.race([sleep(spec.durationMs), failed]);
  measuring = false;
  const durationMs = performance.now() - start;
  const cpu = cpuMs() - cpuStart;
  await mark('measure-end');
  running = false;
  const error = await Promise.race([failed, sleep(5000)]);
  return {
    ops: completed,
    durationMs,
    latenciesMs: latencies.percentiles(),
    cpuMs: cpu,
    completed: error === undefined,
    ...(error === undefined ? {} : { error: String(error) }),
  };
}

async function streamCase(caller: Caller): Promise<ClientResult> {
  // A short warm-up stream, so JIT and connection windows are settled.
  await caller.stream(
    Math.min(spec.messages, 5000),
    spec.payloadBytes,
    new AbortController().signal,
  );
  await mark('measure-start');
  const cpuStart = cpuMs();
  const start = performance.now();
  const limit = AbortSignal.timeout(spec.timeLimitMs);
  const received = await caller.stream(spec.messages, spec.payloadBytes, limit);
  const durationMs = performance.now() - start;
  const cpu = cpuMs() - cpuStart;
  await mark('measure-end');
  return {
    ops: received,
    durationMs,
    latenciesMs: undefined,
    cpuMs: cpu,
    completed: received === spec.messages,
  };
}

/** Raw transport floor: frames of `payloadBytes`, `messages` per write, echoed by the server. */
async function rawCase(): Promise<ClientResult> {
  const transport = new QuicTransport({
    tls: { ca: spec.caPem },
    maxUdpPayloadSize: spec.udpPayload,
  });
  const connection = await transport.connect({ host: '127.0.0.1', port: spec.port });
  const batchBytes = spec.payloadBytes * spec.messages;
  const batch = new Uint8Array(batchBytes).fill(3);
  const latencies = new LatencyRecorder();
  const sentAt: number[] = [];
  let received = 0;
  let batchesBack = 0;
  let measuring = false;
  let measuredFrames = 0;
  let running = true;
  let wake: (() => void) | undefined;
  connection.start({
    onData(chunk) {
      received += chunk.length;
      while (received >= (batchesBack + 1) * batchBytes) {
        const sent = sentAt[batchesBack];
        batchesBack++;
        if (measuring && sent !== undefined) {
          latencies.record(performance.now() - sent);
          measuredFrames += spec.messages;
        }
      }
      wake?.();
    },
    onClose() {
      running = false;
      wake?.();
    },
  });
  await connection.write(Uint8Array.of(RAW_MODE_ECHO));
  // Keep `concurrency` batches in flight: the pipelined pattern the RPC layer produces.
  const pump = (async () => {
    while (running) {
      if (sentAt.length - batchesBack >= spec.concurrency) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      sentAt.push(performance.now());
      await connection.write(batch);
    }
  })().catch(() => {
    // The closing connection rejects the write in flight; that is how the pump ends.
  });
  await sleep(spec.warmupMs);
  await mark('measure-start');
  const cpuStart = cpuMs();
  const start = performance.now();
  measuring = true;
  await sleep(spec.durationMs);
  measuring = false;
  const durationMs = performance.now() - start;
  const cpu = cpuMs() - cpuStart;
  await mark('measure-end');
  running = false;
  wake?.();
  await connection.close(new Error('benchmark done'));
  await pump;
  return {
    ops: measuredFrames,
    durationMs,
    latenciesMs: latencies.percentiles(),
    cpuMs: cpu,
    completed: true,
  };
}

/** Raw one-way floor: the server writes chunks of `payloadBytes * messages` back to back. */
async function rawStreamCase(): Promise<ClientResult> {
  const transport = new QuicTransport({
    tls: { ca: spec.caPem },
    maxUdpPayloadSize: spec.udpPayload,
  });
  const connection = await transport.connect({ host: '127.0.0.1', port: spec.port });
  let received = 0;
  connection.start({
    onData(chunk) {
      received += chunk.length;
    },
    onClose() {},
  });
  const request = new Uint8Array(5);
  request[0] = RAW_MODE_STREAM;
  new DataView(request.buffer).setUint32(1, spec.payloadBytes * spec.messages);
  await connection.write(request);
  await sleep(spec.warmupMs);
  await mark('measure-start');
  const cpuStart = cpuMs();
  const start = performance.now();
  const receivedAtStart = received;
  await sleep(spec.durationMs);
  const bytes = received - receivedAtStart;
  const durationMs = performance.now() - start;
  const cpu = cpuMs() - cpuStart;
  await mark('measure-end');
  await connection.close(new Error('benchmark done'));
  return {
    ops: Math.floor(bytes / spec.payloadBytes),
    durationMs,
    latenciesMs: undefined,
    cpuMs: cpu,
    completed: true,
  };
}

try {
  let result: ClientResult;
  if (spec.kind === 'raw') {
    result = await rawCase();
  } else if (spec.kind === 'raw-stream') {
    result = await rawStreamCase();
  } else {
    const caller = spec.system === 'grpc-js' ? await grpcCaller() : await rpcnetCaller();
    result = spec.kind === 'unary' ? await unaryCase(caller) : await streamCase(caller);
    await Promise.race([caller.close(), sleep(2000)]);
  }
  toParent({ type: 'result', result });
} catch (error) {
  toParent({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
}
