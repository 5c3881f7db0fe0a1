import { createSeededRandom, VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { SimulatedNetwork } from '../../src/simulation/simulated-network.js';

describe('VirtualClock', () => {
  it('fires timers in due order, ties in the order set, and only when advanced', () => {
    const clock = new VirtualClock(100);
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push('b'));
    clock.setTimer(10, () => fired.push('a'));
    clock.setTimer(20, () => fired.push('c'));
    const cancel = clock.setTimer(15, () => fired.push('cancelled'));
    cancel();
    expect(clock.pendingTimers).toBe(3);
    clock.advance(19);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(119);
    clock.advance(1);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs timers set by timers within the same advance', () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    const tick = (): void => {
      times.push(clock.now());
      if (times.length < 5) clock.setTimer(10, tick);
    };
    clock.setTimer(10, tick);
    clock.advance(100);
    expect(times).toEqual([10, 20, 30, 40, 50]);
  });

  it('runUntil stops when the condition holds or the timeout passes', () => {
    const clock = new VirtualClock();
    let flag = false;
    clock.setTimer(250, () => {
      flag = true;
    });
    expect(clock.runUntil(() => flag, { stepMs: 100 })).toBe(true);
    expect(clock.now()).toBe(300);
    expect(clock.runUntil(() => false, { timeoutMs: 1000 })).toBe(false);
    expect(clock.now()).toBe(1300);
  });
});

describe('createSeededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const c = createSeededRandom(43);
    const seqA = Array.from({ length: 1000 }, a);
    expect(Array.from({ length: 1000 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA.slice(0, 5));
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = seqA.reduce((s, x) => s + x, 0) / seqA.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('SimulatedNetwork', () => {
  function setup(options: { lossRate?: number; delayMs?: number; jitterMs?: number } = {}) {
    const clock = new VirtualClock();
    const network = new SimulatedNetwork({ clock, random: createSeededRandom(1), ...options });
    const a = network.createTransport('a:1');
    const b = network.createTransport('b:1');
    const received: Array<{ data: number[]; from: string; at: number }> = [];
    b.onPacket((data, from) => received.push({ data: [...data], from, at: clock.now() }));
    return { clock, network, a, b, received };
  }

  it('delivers a copy after the delay, with the sender address', () => {
    const { clock, a, received } = setup({ delayMs: 5 });
    const data = new Uint8Array([1, 2, 3]);
    a.send('b:1', data);
    data[0] = 9;
    clock.advance(4);
    expect(received).toEqual([]);
    clock.advance(1);
    expect(received).toEqual([{ data: [1, 2, 3], from: 'a:1', at: 5 }]);
  });

  it("hands over the sender's very bytes with copyDatagrams: false", () => {
    const clock = new VirtualClock();
    const network = new SimulatedNetwork({
      clock,
      random: createSeededRandom(1),
      copyDatagrams: false,
    });
    const a = network.createTransport('a:1');
    const b = network.createTransport('b:1');
    const received: Uint8Array[] = [];
    b.onPacket((data) => received.push(data));
    const data = new Uint8Array([1, 2, 3]);
    a.send('b:1', data);
    clock.advance(1);
    expect(received).toHaveLength(1);
    expect(received[0]).toBe(data);
    expect(network.stats().bytesSent).toBe(3);
  });

  it('loses about the configured fraction, deterministically per seed', () => {
    const { clock, network, a, received } = setup({ lossRate: 0.1 });
    for (let i = 0; i < 2000; i++) a.send('b:1', new Uint8Array([1]));
    clock.advance(10);
    expect(received.length).toBeGreaterThan(1700);
    expect(received.length).toBeLessThan(1900);
    expect(network.stats().lost + received.length).toBe(2000);
  });

  it('blocks traffic across a partition in both directions until healed', () => {
    const { clock, network, a, b, received } = setup();
    const atA: string[] = [];
    a.onPacket((_data, from) => atA.push(from));
    network.partition(['a:1'], ['b:1']);
    a.send('b:1', new Uint8Array([1]));
    b.send('a:1', new Uint8Array([1]));
    clock.advance(10);
    expect(received).toEqual([]);
    expect(atA).toEqual([]);
    expect(network.stats().blockedByPartition).toBe(2);
    network.heal();
    a.send('b:1', new Uint8Array([1]));
    clock.advance(10);
    expect(received).toHaveLength(1);
  });

  it('drops datagrams to a closed transport and frees its address', async () => {
    const { clock, network, a, b, received } = setup();
    await b.close();
    a.send('b:1', new Uint8Array([1]));
    clock.advance(10);
    expect(received).toEqual([]);
    expect(network.stats().unreachable).toBe(1);
    expect(network.createTransport('b:1').localAddress).toBe('b:1');
    expect(() => network.createTransport('a:1')).toThrow(/already bound/);
    expect(network.createTransport().localAddress).toMatch(/^10\.0\.\d+\.\d+:7946$/);
  });
});
