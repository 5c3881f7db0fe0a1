// Reduced 1,000-node plan for a loaded machine: one seed, adaptive rule only.
import { SimulatedCluster } from '@rpcnet/gossip';
import { EventTally } from './src/event-tally.js';
const nodes = 1000;
const HOUR_MS = 3_600_000;
const wall = performance.now();
const log = (m: string) => console.log(`[n=${nodes} +${((performance.now() - wall) / 1000).toFixed(0)}s] ${m}`);
const cluster = new SimulatedCluster({ seed: 1, delayMs: 1, jitterMs: 2, config: { suspicionRule: 'adaptive' } });
const tally = new EventTally();
const members = cluster.addNodes(nodes);
for (const m of members) m.protocol.onEvent((e) => tally.record(m.id, e));
const formed = cluster.clock.runUntil(() => members.every((m) => tally.observers('NodeJoined', m.id) >= nodes - 1), { timeoutMs: 600_000, stepMs: 50 });
log(`formed=${formed} formation ${cluster.clock.now()} ms`);
const times: number[] = [];
cluster.clock.advance(10_000);
for (let i = 0; i < 10; i++) {
  const running = cluster.running();
  const victim = running[1 + Math.floor(cluster.random() * (running.length - 1))]!;
  cluster.crash(victim.id);
  const start = cluster.clock.now();
  const seen = cluster.clock.runUntil(() => tally.observers('NodeFailed', victim.id) >= running.length - 1, { timeoutMs: 120_000, stepMs: 10 });
  times.push(seen ? cluster.clock.now() - start : Number.NaN);
  cluster.clock.advance(5_000);
  log(`crash ${i + 1}: ${times.at(-1)} ms`);
}
const sorted = [...times].sort((a, b) => a - b);
log(`crash -> all NodeFailed: median ${(sorted[4]! + sorted[5]!) / 2} ms, p99 ${sorted[9]} ms, all ${times.join(',')}`);
const period = 180_000;
cluster.clock.advance(period);
const before = cluster.network.stats().bytesSent;
cluster.clock.advance(period);
const sent = cluster.network.stats().bytesSent - before;
log(`bandwidth over one push-pull period: ${(sent / cluster.running().length / (period / 1000)).toFixed(0)} B/node/s`);
cluster.network.setLossRate(0.1);
const f0 = tally.count('NodeFailed');
const s0 = tally.count('NodeSuspected');
const lossMs = Number(process.env.LOSS_MS ?? 75_000);
cluster.clock.advance(lossMs);
log(`10% loss: ${tally.count('NodeFailed') - f0} false NodeFailed, ${tally.count('NodeSuspected') - s0} suspicions over ${((cluster.running().length * lossMs) / HOUR_MS).toFixed(1)} node-hours`);
