// Child process: runs ONE benchmark case as a client and reports the result to the parent.
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import {
  QuicTransport,
  RpcClient,
  type Transport,
  type TransportConnection,
  type TransportConnectionStats,
} from '@rpcnet/core';
import { benchUdpSocket } from './bench-udp-socket.js';
import { grpcBenchService } from './grpc-bench-service.js';
import { LatencyRecorder } from './measure.js';
import {
  type ClientResult,
  type ClientSpec,
  cpuMs,
  driverOptions,
  encodeStreamRequest,
  type PacketCounts,
  type ParentMessage,
  RAW_MODE_ECHO,
  RAW_MODE_STREAM,
  toParent,
  UDP_ACK_EVERY,
  UDP_MODE_BLAST,
  UDP_MODE_ECHO,
} from './rpc-bench-protocol.js';

/** What a case needs from a system under test. */
interface Caller {
  unary(payload: Uint8Array): Promise<unknown>;
  /** Consumes a server stream; returns the number of messages received. */
  stream(messages: number, size: number, signal: AbortSignal): Promise<number>;
  /** The connection's counters, where the transport keeps them (lean QUIC driver). */
  stats(): TransportConnectionStats | undefined;
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

/** The QUIC transport of this case: the spec's driver and UDP payload. */
function quicTransport(): QuicTransport {
  return new QuicTransport({
    tls: { ca: spec.caPem },
    ...driverOptions(spec.driver),
    maxUdpPayloadSize: spec.udpPayload,
  });
}

/** Packets counted between two snapshots of a connection's stats. */
function packetsBetween(
  before: TransportConnectionStats | undefined,
  after: TransportConnectionStats | undefined,
): PacketCounts | undefined {
  if (before === undefined || after === undefined) return undefined;
  return {
    sent: after.packetsSent - before.packetsSent,
    received: after.packetsReceived - before.packetsReceived,
    lost: after.packetsLost - before.packetsLost,
  };
}

async function rpcnetCaller(): Promise<Caller> {
  // The same QuicTransport RpcClient would build from `quic: { driver, maxUdpPayloadSize }`,
  // passed in so the bench can read the connection's packet counters (RpcClient has no stats).
  const quic = quicTransport();
  let connection: TransportConnection | undefined;
  const transport: Transport = {
    listen: (address, onConnection) => quic.listen(address, onConnection),
    async connect(address, options) {
      connection = await quic.connect(address, options);
      return connection;
    },
  };
  const client = await RpcClient.connect({ host: '127.0.0.1', port: spec.port }, { transport });
  return {
    stats: () => connection?.stats?.(),
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
    stats: () => undefined,
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
  const statsStart = caller.stats();
  measuring = true;
  await Promise.race([sleep(spec.durationMs), failed]);
  measuring = false;
  const packets = packetsBetween(statsStart, caller.stats());
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
    ...(packets === undefined ? {} : { packets }),
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
  const statsStart = caller.stats();
  const limit = AbortSignal.timeout(spec.timeLimitMs);
  const received = await caller.stream(spec.messages, spec.payloadBytes, limit);
  const packets = packetsBetween(statsStart, caller.stats());
  const durationMs = performance.now() - start;
  const cpu = cpuMs() - cpuStart;
  await mark('measure-end');
  return {
    ops: received,
    durationMs,
    latenciesMs: undefined,
    cpuMs: cpu,
    ...(packets === undefined ? {} : { packets }),
    completed: received === spec.messages,
  };
}

/**
 * Raw transport: frames of `payloadBytes`, `messages` per write, echoed by the server, with
 * `concurrency` writes in flight (1: ping-pong, the request/response pattern without RPC).
 */
async function rawCase(): Promise<ClientResult> {
  const connection = await quicTransport().connect({ host: '127.0.0.1', port: spec.port });
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
  const statsStart = connection.stats?.();
  measuring = true;
  await sleep(spec.durationMs);
  measuring = false;
  const packets = packetsBetween(statsStart, connection.stats?.());
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
    ...(packets === undefined ? {} : { packets }),
    completed: true,
  };
}

/** Raw one-way bulk: the server writes chunks of `payloadBytes * messages` back to back. */
async function rawStreamCase(): Promise<ClientResult> {
  const connection = await quicTransport().connect({ host: '127.0.0.1', port: spec.port });
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
  const statsStart = connection.stats?.();
  const receivedAtStart = received;
  await sleep(spec.durationMs);
  const bytes = received - receivedAtStart;
  const packets = packetsBetween(statsStart, connection.stats?.());
  const durationMs = performance.now() - start;
  const cpu = cpuMs() - cpuStart;
  await mark('measure-end');
  await connection.close(new Error('benchmark done'));
  return {
    ops: bytes / spec.payloadBytes,
    durationMs,
    latenciesMs: undefined,
    cpuMs: cpu,
    ...(packets === undefined ? {} : { packets }),
    completed: true,
  };
}

/** The udp server's socket kind: batched for the lean driver's line, node:dgram otherwise. */
function udpSocket() {
  return benchUdpSocket(spec.driver === 'lean', spec.port);
}

/** Bare UDP ping-pong: one datagram of `payloadBytes` in flight, echoed by the server. */
async function udpPingPongCase(): Promise<ClientResult> {
  const socket = await udpSocket();
  const datagram = new Uint8Array(spec.payloadBytes).fill(9);
  datagram[0] = UDP_MODE_ECHO;
  const latencies = new LatencyRecorder();
  let measuring = false;
  let running = true;
  let roundTrips = 0;
  let sentAt = 0;
  const send = (): void => {
    sentAt = performance.now();
    socket.send(datagram);
  };
  socket.onMessage(() => {
    if (measuring) {
      latencies.record(performance.now() - sentAt);
      roundTrips++;
    }
    if (running) send();
  });
  send();
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
  await socket.close();
  return {
    ops: roundTrips,
    durationMs,
    latenciesMs: latencies.percentiles(),
    cpuMs: cpu,
    // Each round trip in the window is one datagram each way (the one in flight at either edge
    // of the window makes this exact to within one).
    packets: { sent: roundTrips, received: roundTrips, lost: 0 },
    completed: roundTrips > 0,
  };
}

/** Datagrams of a blast un-acknowledged at once: bounds the kernel buffers, so nothing drops. */
const UDP_BLAST_WINDOW = 8 * UDP_ACK_EVERY;

/**
 * Bare UDP one-way blast of `payloadBytes` datagrams: at most {@link UDP_BLAST_WINDOW} beyond
 * what the server last acknowledged; ops are datagrams the server counted in the window.
 */
async function udpBlastCase(): Promise<ClientResult> {
  const socket = await udpSocket();
  const datagram = new Uint8Array(spec.payloadBytes).fill(9);
  datagram[0] = UDP_MODE_BLAST;
  let sent = 0;
  let acks = 0;
  let counted = 0;
  let running = true;
  const pump = (): void => {
    while (running && sent - counted < UDP_BLAST_WINDOW) {
      socket.send(datagram);
      sent++;
    }
  };
  socket.onMessage((message) => {
    acks++;
    counted = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(0);
    pump();
  });
  // A lost datagram would leave the window stuck: after a quiet 20 ms, count it as gone.
  let countedAtCheck = -1;
  const unstick = setInterval(() => {
    if (counted === countedAtCheck && sent - counted >= UDP_BLAST_WINDOW) {
      counted = sent;
      pump();
    }
    countedAtCheck = counted;
  }, 20);
  pump();
  await sleep(spec.warmupMs);
  await mark('measure-start');
  const cpuStart = cpuMs();
  const start = performance.now();
  const sentAtStart = sent;
  const acksAtStart = acks;
  const countedAtStart = counted;
  await sleep(spec.durationMs);
  const arrived = counted - countedAtStart;
  const packets = { sent: sent - sentAtStart, received: acks - acksAtStart, lost: 0 };
  const durationMs = performance.now() - start;
  const cpu = cpuMs() - cpuStart;
  await mark('measure-end');
  running = false;
  clearInterval(unstick);
  await socket.close();
  return {
    ops: arrived,
    durationMs,
    latenciesMs: undefined,
    cpuMs: cpu,
    packets,
    completed: arrived > 0,
  };
}

try {
  let result: ClientResult;
  if (spec.kind === 'raw') {
    result = await rawCase();
  } else if (spec.kind === 'raw-stream') {
    result = await rawStreamCase();
  } else if (spec.kind === 'udp-pingpong') {
    result = await udpPingPongCase();
  } else if (spec.kind === 'udp-blast') {
    result = await udpBlastCase();
  } else {
    const caller = spec.system === 'grpc-js' ? await grpcCaller() : await rpcnetCaller();
    result = spec.kind === 'unary' ? await unaryCase(caller) : await streamCase(caller);
    await Promise.race([caller.close(), sleep(2000)]);
  }
  toParent({ type: 'result', result });
} catch (error) {
  toParent({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
}
