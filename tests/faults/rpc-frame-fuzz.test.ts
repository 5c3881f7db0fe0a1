import { createSeededRandom, type RandomSource } from '@rpcnet/base';
import { QuicTransport } from '@rpcnet/core';
import { encodeFrame, type Frame, FrameDecoder, FrameType } from '@rpcnet/core/wire';
import { seedFromEnv, waitFor } from '@rpcnet/test-utils';
import { createDevCertificate, type HostPort, RpcClient, RpcServer } from 'rpcnet';
import { afterEach, describe, expect, it } from 'vitest';
import {
  flipBits,
  pick,
  randomBytes,
  randomInt,
  truncate,
} from '../fixtures/faults/byte-mutations.js';
import { mib, settledHeapBytes } from '../fixtures/faults/heap.js';
import { sendRawSession } from '../fixtures/faults/raw-session.js';
import { concatBytes, RecordingTransport } from '../fixtures/faults/recording-transport.js';

const SEED = seedFromEnv('RPCNET_FAULTS_SEED', 9);
/** The server's frame limit, small so that oversized frames are cheap to send. */
const MAX_FRAME_BYTES = 16 * 1024;
/** Fuzz rounds after the warm-up round; each opens 16 raw connections. */
const ROUNDS = 2;
/**
 * Heap growth allowed over the measured rounds, after full collections. A leak of per-connection
 * or per-frame state over 32 connections and ~1,900 fuzzed frames would exceed it.
 */
const HEAP_GROWTH_BOUND_BYTES = 16 * 1024 * 1024;

const certificate = createDevCertificate();
const encode = (value: string) => new TextEncoder().encode(value);

/** A real client's frames: its HELLO, and the REQUEST and MESSAGE of one `echo` call. */
interface SessionCorpus {
  readonly hello: Uint8Array;
  readonly call: Uint8Array;
}

/** What one fuzz round sent that must show in the server's protocol-error counter. */
interface RoundTally {
  readonly connections: number;
  /** Oversized, unknown-type and cut-off frames: each is one protocol error at least. */
  readonly certainErrors: number;
}

describe(`fuzzing a live RpcServer over QUIC with malformed frames (seed ${SEED})`, () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('counts and drops random, truncated, oversized and bit-flipped frames and keeps serving', {
    timeout: 180_000,
  }, async () => {
    const server = new RpcServer({
      tls: { cert: certificate.certPem, key: certificate.keyPem },
      limits: { maxFrameBytes: MAX_FRAME_BYTES },
    });
    server.unary('echo', async (request) => request);
    const address = await server.start({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const transport = new QuicTransport({ tls: { ca: certificate.certPem } });

    const corpus = await recordSession(address);
    const canary = await RpcClient.connect(address, { tls: { ca: certificate.certPem } });
    cleanups.push(() => canary.close());
    const echo = async (text: string) =>
      new TextDecoder().decode(await canary.unary('echo', encode(text), { timeoutMs: 5000 }));
    expect(await echo('before')).toBe('before');
    const random = createSeededRandom(SEED);

    const runRound = async (round: number): Promise<RoundTally> => {
      const errorsBefore = server.metrics.protocolErrors;
      const sessions = fuzzSessions(random, corpus);
      // A few connections at a time: enough to overlap, few enough for a loaded 2-core machine.
      for (let at = 0; at < sessions.sessions.length; at += 4) {
        await Promise.all(
          sessions.sessions
            .slice(at, at + 4)
            .map((chunks) => sendRawSession(transport, address, chunks)),
        );
      }
      // The server let go of every fuzz connection; only the canary's is left.
      await waitFor(() => server.metrics.connections === 1, {
        timeoutMs: 15_000,
        message: `round ${round}: fuzz connections closed`,
      });
      expect(server.metrics.protocolErrors - errorsBefore).toBeGreaterThanOrEqual(
        sessions.certainErrors,
      );
      expect(await echo(`after round ${round}`)).toBe(`after round ${round}`);
      return { connections: sessions.sessions.length, certainErrors: sessions.certainErrors };
    };

    const warmUp = await runRound(0);
    const heapBefore = await settledHeapBytes();
    const tallies: RoundTally[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) tallies.push(await runRound(round));
    const heapAfter = await settledHeapBytes();

    const metrics = server.metrics;
    expect(metrics.activeCalls).toBe(0);
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_GROWTH_BOUND_BYTES);
    // A fresh client is served normally after all of it.
    const fresh = await RpcClient.connect(address, { tls: { ca: certificate.certPem } });
    cleanups.push(() => fresh.close());
    expect(new TextDecoder().decode(await fresh.unary('echo', encode('fresh')))).toBe('fresh');
    const connections = [warmUp, ...tallies].reduce((sum, tally) => sum + tally.connections, 0);
    console.log(
      `faults/rpc-fuzz: ${connections} raw connections, ` +
        `${metrics.protocolErrors} protocol errors counted, ${metrics.callsRejected} calls rejected, ` +
        `heap ${mib(heapBefore)} -> ${mib(heapAfter)} (bound +${mib(HEAP_GROWTH_BOUND_BYTES)})`,
    );
  });
});

/** Makes one real `echo` call through a recording transport and splits what it wrote into frames. */
async function recordSession(address: HostPort): Promise<SessionCorpus> {
  const recording = new RecordingTransport(new QuicTransport({ tls: { ca: certificate.certPem } }));
  const client = await RpcClient.connect(address, { transport: recording });
  try {
    await client.unary('echo', encode('recorded request'));
  } finally {
    await client.close();
  }
  const frames: Frame[] = [];
  const decoder = new FrameDecoder(MAX_FRAME_BYTES, {
    onFrame: (frame) => frames.push({ ...frame, payload: frame.payload.slice() }),
    onProtocolError: (error) => {
      throw error;
    },
  });
  decoder.push(concatBytes(recording.writes));
  const reencode = (frame: Frame) =>
    encodeFrame(frame.type, frame.flags, frame.callId, frame.payload);
  const [hello, ...rest] = frames;
  expect(hello?.type).toBe(FrameType.HELLO);
  const callFrames = rest.filter((frame) => frame.callId === 1);
  expect(callFrames.map((frame) => frame.type)).toContain(FrameType.REQUEST);
  return { hello: reencode(hello!), call: concatBytes(callFrames.map(reencode)) };
}

/**
 * One round of raw sessions, each a list of chunks written in order on its own connection, and
 * how many protocol errors they are certain to cause.
 */
function fuzzSessions(
  random: RandomSource,
  corpus: SessionCorpus,
): { sessions: Uint8Array[][]; certainErrors: number } {
  const sessions: Uint8Array[][] = [];
  let certainErrors = 0;
  const frame = (type: number, callId: number, payload: Uint8Array, flags = 0) =>
    encodeFrame(type as FrameType, flags, callId, payload);
  for (let index = 0; index < 3; index += 1) {
    // Garbage instead of a HELLO.
    sessions.push([randomBytes(random, randomInt(random, 1, 2000))]);
    // A HELLO, then well-framed garbage: random types, flags, call ids and bodies.
    const frames = Array.from({ length: 300 }, () =>
      frame(
        randomInt(random, 0, 15),
        randomInt(random, 0, 20),
        randomBytes(random, randomInt(random, 0, 200)),
        randomInt(random, 0, 255),
      ),
    );
    sessions.push([corpus.hello, ...frames]);
    // The real session with a few bits flipped anywhere (HELLO included).
    const session = concatBytes([corpus.hello, corpus.call]);
    sessions.push([flipBits(random, session, randomInt(random, 1, 8))]);
    // A HELLO, then the real call cut off inside a frame, then the stream ends.
    const cut = randomInt(random, 1, corpus.call.length - 1);
    sessions.push([corpus.hello, corpus.call.slice(0, cut)]);
    certainErrors += 1;
  }
  // Truncation anywhere (possibly inside the HELLO): not counted, the cut may fall on a boundary.
  sessions.push([truncate(random, concatBytes([corpus.hello, corpus.call]))]);
  for (let index = 0; index < 2; index += 1) {
    // Frames over the limit, sent whole, then a header announcing 4 GiB and the stream ends.
    const oversized = Array.from({ length: 3 }, () =>
      frame(
        pick(random, [FrameType.MESSAGE, FrameType.REQUEST, FrameType.HEADERS]),
        randomInt(random, 100, 200),
        randomBytes(random, MAX_FRAME_BYTES + randomInt(random, 1, 4096)),
      ),
    );
    const huge = new Uint8Array(10 + 1000);
    huge.set([0xff, 0xff, 0xff, 0xff, FrameType.MESSAGE, 0, 0, 0, 0, 7]);
    sessions.push([corpus.hello, ...oversized, huge]);
    certainErrors += 4;
  }
  // Frame types this protocol version does not know, between valid PINGs.
  const unknown = Array.from({ length: 10 }, () =>
    frame(pick(random, [0, 11, 42, 200, 255]), 0, randomBytes(random, randomInt(random, 0, 64))),
  );
  const ping = frame(FrameType.PING, 0, new Uint8Array(8));
  sessions.push([corpus.hello, ping, ...unknown, ping]);
  certainErrors += unknown.length;
  return { sessions, certainErrors };
}
