import type { RpcServerTransportStats, TransportConnectionStats } from '@rpcnet/core';
import type { Registry } from 'prom-client';
import { type Samples, scrapeTimeCounter, scrapeTimeGauge } from './scrape-time-metric.js';

/** What the server collectors read: an `RpcServer` from `@rpcnet/core` fits. */
export interface TransportServerSource {
  transportStats(): RpcServerTransportStats;
}

/** What the client collectors read: an `RpcClient` from `@rpcnet/core` fits. */
export interface TransportClientSource {
  readonly address: { readonly host: string; readonly port: number };
  readonly closed: boolean;
  transportStats(): TransportConnectionStats | undefined;
}

type Sample = readonly [Record<string, string>, number];

/** Registers `<prefix>quic_server_*`, summed over `servers()` on each scrape. */
export function registerServerTransportCollectors(
  registry: Registry,
  prefix: string,
  servers: () => Iterable<TransportServerSource>,
): void {
  const name = `${prefix}quic_server_`;
  const listenerTotal =
    (pick: (stats: NonNullable<RpcServerTransportStats['listener']>) => number) => (): Samples => {
      let total = 0;
      for (const server of servers()) {
        const listener = server.transportStats().listener;
        if (listener !== undefined) total += pick(listener);
      }
      return [[{}, total]];
    };
  scrapeTimeGauge({
    registry,
    name: `${name}connections`,
    help: 'QUIC connections held now (handshaking, open or draining).',
    read: listenerTotal((stats) => stats.connections),
  });
  scrapeTimeCounter({
    registry,
    name: `${name}connections_accepted_total`,
    help: 'QUIC connections accepted.',
    read: listenerTotal((stats) => stats.connectionsAccepted),
  });
  scrapeTimeCounter({
    registry,
    name: `${name}datagrams_received_total`,
    help: 'UDP datagrams received by the listener.',
    read: listenerTotal((stats) => stats.datagramsReceived),
  });
  scrapeTimeCounter({
    registry,
    name: `${name}datagrams_dropped_total`,
    help: 'UDP datagrams the listener dropped, by reason.',
    labelNames: ['reason'],
    read: () => {
      const byReason = new Map<string, number>();
      for (const server of servers()) {
        const drops = server.transportStats().listener?.droppedDatagrams ?? {};
        for (const [reason, count] of Object.entries(drops)) {
          byReason.set(reason, (byReason.get(reason) ?? 0) + count);
        }
      }
      return [...byReason].map(([reason, count]) => [{ reason }, count] as const);
    },
  });
  const connections = (): TransportConnectionStats[] =>
    [...servers()].flatMap((server) => [...server.transportStats().connections]);
  scrapeTimeGauge({
    registry,
    name: `${name}rtt_seconds`,
    help: 'Smoothed RTT over the open QUIC connections, by statistic (mean, max).',
    labelNames: ['stat'],
    read: () => {
      const rtts = connections().flatMap((c) => (c.rttMs === undefined ? [] : [c.rttMs]));
      if (rtts.length === 0) return [];
      const mean = rtts.reduce((sum, rtt) => sum + rtt, 0) / rtts.length;
      return [
        [{ stat: 'mean' }, mean / 1000],
        [{ stat: 'max' }, Math.max(...rtts) / 1000],
      ];
    },
  });
  scrapeTimeGauge({
    registry,
    name: `${name}open_connections_packets_lost`,
    help: 'Packets declared lost, summed over the QUIC connections open now (falls when one closes).',
    read: () => [[{}, connections().reduce((sum, c) => sum + c.packetsLost, 0)]],
  });
}

/** Registers `<prefix>quic_client_*` per server address, read from `clients()` on each scrape. */
export function registerClientTransportCollectors(
  registry: Registry,
  prefix: string,
  clients: () => Iterable<TransportClientSource>,
): void {
  const name = `${prefix}quic_client_`;
  const perPeer =
    (pick: (stats: TransportConnectionStats) => number | undefined) => (): Samples => {
      const samples: Sample[] = [];
      for (const client of clients()) {
        if (client.closed) continue;
        const stats = client.transportStats();
        const value = stats === undefined ? undefined : pick(stats);
        if (value !== undefined) {
          samples.push([{ peer: `${client.address.host}:${client.address.port}` }, value]);
        }
      }
      return samples;
    };
  const gauge = (
    suffix: string,
    help: string,
    pick: (s: TransportConnectionStats) => number | undefined,
  ) =>
    scrapeTimeGauge({
      registry,
      name: `${name}${suffix}`,
      help,
      labelNames: ['peer'],
      read: perPeer(pick),
    });
  const counter = (suffix: string, help: string, pick: (s: TransportConnectionStats) => number) =>
    scrapeTimeCounter({
      registry,
      name: `${name}${suffix}`,
      help,
      labelNames: ['peer'],
      read: perPeer(pick),
    });
  gauge('rtt_seconds', 'Smoothed RTT of the connection to each server.', (s) =>
    s.rttMs === undefined ? undefined : s.rttMs / 1000,
  );
  gauge(
    'congestion_window_bytes',
    'Congestion window of the connection to each server.',
    (s) => s.congestionWindowBytes,
  );
  counter('packets_sent_total', 'QUIC packets sent to each server.', (s) => s.packetsSent);
  counter(
    'packets_received_total',
    'QUIC packets received from each server.',
    (s) => s.packetsReceived,
  );
  counter('packets_lost_total', 'QUIC packets to each server declared lost.', (s) => s.packetsLost);
  counter('bytes_sent_total', 'QUIC bytes sent to each server.', (s) => s.bytesSent);
  counter('bytes_received_total', 'QUIC bytes received from each server.', (s) => s.bytesReceived);
}
