import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster.js';
import { decodeDatagram } from '../../src/codec.js';
import type { ClusterConfigInput } from '../../src/config.js';
import type { ClusterEvent } from '../../src/events.js';
import type { PacketTransport } from '../../src/transport.js';
import { UdpTransport } from '../../src/udp-transport.js';
import { fastLoopbackConfig } from './fast-config.js';

/** Direct pings of the target the observer must have lost before the verdict. */
const PINGS_LOST = 8;

const running: Cluster[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((cluster) => cluster.stop()));
});

/** A real UDP socket that drops every datagram to or from the addresses in `cut`, counting pings. */
function cuttableUdp(cut: Set<string>, dropped: { count: number; pings: number }) {
  return async (config: { bindAddr: string; gossipPort: number }): Promise<PacketTransport> => {
    const udp = await UdpTransport.bind({ host: config.bindAddr, port: config.gossipPort });
    return {
      localAddress: udp.localAddress,
      onPacket: (handler) =>
        udp.onPacket((data, from) => {
          if (cut.has(from)) dropped.count += 1;
          else handler(data, from);
        }),
      send: (to, data) => {
        if (!cut.has(to)) return udp.send(to, data);
        dropped.count += 1;
        if (decodeDatagram(data).some((message) => message.kind === 'ping')) dropped.pings += 1;
      },
      close: () => udp.close(),
    };
  };
}

/**
 * Four members on 127.0.0.1; the observer's direct link to the target is cut (both directions,
 * at the observer's socket) while both still reach the two helpers.
 */
async function cutOneLink(overrides: ClusterConfigInput) {
  const cut = new Set<string>();
  const dropped = { count: 0, pings: 0 };
  const config = fastLoopbackConfig(overrides);
  const observer = await Cluster.create(config, { openTransport: cuttableUdp(cut, dropped) });
  running.push(observer);
  const others = [];
  for (let i = 0; i < 3; i += 1) {
    const node = await Cluster.create(config);
    running.push(node);
    others.push(node);
  }
  const seed = observer.localNode().gossipAddress;
  await Promise.all(others.map((node) => node.join([seed])));
  const all = [observer, ...others];
  await waitFor(
    () => all.every((node) => node.members().filter((m) => m.state === 'alive').length === 4),
    { timeoutMs: 10_000, message: 'convergence' },
  );
  const target = others[0] as Cluster;
  const events: ClusterEvent[] = [];
  observer.onEvent((event) => events.push(event));
  cut.add(target.localNode().gossipAddress);
  const suspected = () =>
    events.some((e) => e.type === 'NodeSuspected' && e.node.id === target.localNode().id);
  return { observer, target, dropped, suspected, events };
}

describe('indirect probes over real UDP: a cut direct link is not a failure', {
  timeout: 30_000,
}, () => {
  it('the observer reaches the target through helpers and never suspects it', async () => {
    const { observer, target, dropped, suspected } = await cutOneLink({});
    // Every direct ping is lost; each time, the helpers' indirect probes must carry the ack.
    await waitFor(() => dropped.pings >= PINGS_LOST || suspected(), {
      timeoutMs: 20_000,
      message: 'lost direct pings',
    });
    expect(suspected()).toBe(false);
    const seen = observer.members().find((m) => m.id === target.localNode().id);
    expect(seen?.state).toBe('alive');
    expect(target.localNode().incarnation).toBe(0);
  });

  it('with indirectProbeCount: 0 the same cut makes the observer suspect the target', async () => {
    const { dropped, suspected } = await cutOneLink({ indirectProbeCount: 0 });
    await waitFor(suspected, { timeoutMs: 20_000, message: 'the observer to suspect the target' });
    expect(dropped.pings).toBeGreaterThan(0);
  });
});
