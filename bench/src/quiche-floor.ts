// quiche and its Node binding alone: a client and a server connection in one process, packets
// handed from one to the other in memory (no socket, no event loop). What a QUIC packet costs
// before any UDP I/O: the part of the raw-quic numbers that no driver can remove.
import { quiche } from '@matrixai/quic/native/index.js';
import type { Connection, Host as HostPort, RecvInfo } from '@matrixai/quic/native/types.js';
import { createDevCertificate } from '@rpcnet/core';

/** One in-memory case: CPU per packet (send + recv, both sides). */
export interface QuicheFloorResult {
  readonly name: string;
  readonly udpPayload: number;
  readonly packets: number;
  readonly cpuMs: number;
  readonly cpuPerPacketUs: number;
}

const CONNECTION_ID_BYTES = 20;
const encoder = new TextEncoder();

function config(udpPayload: number, certificate?: { certPem: string; keyPem: string }) {
  const c = quiche.Config.withBoringSslCtx(
    false,
    false,
    null,
    certificate === undefined ? null : [encoder.encode(certificate.keyPem)],
    certificate === undefined ? null : [encoder.encode(certificate.certPem)],
    null,
  );
  c.setApplicationProtos(['rpcnet/1']);
  c.setMaxIdleTimeout(60_000);
  c.setMaxRecvUdpPayloadSize(udpPayload);
  c.setMaxSendUdpPayloadSize(udpPayload);
  c.setInitialMaxData(16 * 1024 * 1024);
  c.setInitialMaxStreamDataBidiLocal(8 * 1024 * 1024);
  c.setInitialMaxStreamDataBidiRemote(8 * 1024 * 1024);
  c.setInitialMaxStreamsBidi(1);
  return c;
}

/** A connected pair and a function that moves every pending packet from one side to the other. */
function connectedPair(udpPayload: number) {
  const clientAddress: HostPort = { host: '127.0.0.1', port: 40_001 };
  const serverAddress: HostPort = { host: '127.0.0.1', port: 40_002 };
  const certificate = createDevCertificate({ hosts: ['127.0.0.1'] });
  const client = quiche.Connection.connect(
    null,
    new Uint8Array(CONNECTION_ID_BYTES).fill(1),
    clientAddress,
    serverAddress,
    config(udpPayload),
  );
  const server = quiche.Connection.accept(
    new Uint8Array(CONNECTION_ID_BYTES).fill(2),
    null,
    serverAddress,
    clientAddress,
    config(udpPayload, certificate),
  );
  const toServer: RecvInfo = { from: clientAddress, to: serverAddress };
  const toClient: RecvInfo = { from: serverAddress, to: clientAddress };
  const packet = Buffer.alloc(udpPayload);
  let packets = 0;
  const move = (from: Connection, to: Connection, info: RecvInfo): void => {
    for (;;) {
      const sent = from.send(packet);
      if (sent === null) return;
      packets++;
      to.recv(packet.subarray(0, sent[0]), info);
    }
  };
  const both = (): void => {
    move(client, server, toServer);
    move(server, client, toClient);
  };
  for (let round = 0; round < 20 && !(client.isEstablished() && server.isEstablished()); round++) {
    both();
  }
  if (!client.isEstablished() || !server.isEstablished()) {
    throw new Error('quiche floor: in-memory handshake did not complete');
  }
  return {
    client,
    server,
    toServer: () => move(client, server, toServer),
    toClient: () => move(server, client, toClient),
    packets: () => packets,
  };
}

function measure(
  name: string,
  udpPayload: number,
  durationMs: number,
  step: (pair: ReturnType<typeof connectedPair>) => void,
): QuicheFloorResult {
  const pair = connectedPair(udpPayload);
  const warmUntil = performance.now() + durationMs / 4;
  while (performance.now() < warmUntil) for (let i = 0; i < 100; i++) step(pair);
  const packetsStart = pair.packets();
  const cpuStart = process.cpuUsage();
  const until = performance.now() + durationMs;
  while (performance.now() < until) for (let i = 0; i < 100; i++) step(pair);
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const packets = pair.packets() - packetsStart;
  return { name, udpPayload, packets, cpuMs, cpuPerPacketUs: (cpuMs * 1000) / packets };
}

/** Ping-pong of 64-byte writes, and one-way 64 KiB writes, on one stream each. */
export function runQuicheFloor(durationMs = 2000, udpPayload = 1350): QuicheFloorResult[] {
  const read = Buffer.alloc(256 * 1024);
  const small = new Uint8Array(64);
  const pingPong = measure('quiche in memory: ping-pong 64B', udpPayload, durationMs, (pair) => {
    pair.client.streamSend(0, small, false);
    pair.toServer();
    pair.server.streamRecv(0, read);
    pair.server.streamSend(0, small, false);
    pair.toClient();
    pair.client.streamRecv(0, read);
  });
  const chunk = new Uint8Array(64 * 1024);
  const bulk = measure('quiche in memory: one-way 64KiB writes', udpPayload, durationMs, (pair) => {
    pair.client.streamSend(0, chunk, false);
    pair.toServer();
    while (pair.server.streamRecv(0, read) !== null) {}
    pair.toClient(); // ACKs and flow-control credit
  });
  return [pingPong, bulk];
}

export function formatQuicheFloor(result: QuicheFloorResult): string {
  return `${result.name.padEnd(40)} [${result.udpPayload}]  ${result.cpuPerPacketUs.toFixed(1)} µs CPU/pkt (send + recv, both sides; ${result.packets} packets)`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const result of runQuicheFloor()) console.log(formatQuicheFloor(result));
}
