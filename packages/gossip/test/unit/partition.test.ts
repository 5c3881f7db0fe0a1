import { describe, expect, it } from 'vitest';
import { PartitionDetector, type PartitionView } from '../../src/partition.js';

function view(alive: string[], suspect: string[] = []): PartitionView {
  return {
    localId: 'self',
    liveRemoteCount: alive.length + suspect.length,
    aliveRemotes: () => alive,
    suspectRemotes: () => suspect,
  };
}

const rule = { fraction: 1 / 3, windowMs: 10_000, minUnreachable: 2 };

describe('PartitionDetector', () => {
  it('ignores a lone failure even in a small cluster', () => {
    const detector = new PartitionDetector(rule);
    detector.recordFailure('x', 0);
    expect(detector.evaluate(0, view(['a']))).toBeUndefined();
  });

  it('detects when failures in the window reach the fraction, naming both sides', () => {
    const detector = new PartitionDetector(rule);
    detector.recordFailure('x', 0);
    detector.recordFailure('y', 1000);
    // 2 failed of 1 + 4 live + 2 = 7 members: 0.29 < 1/3.
    expect(detector.evaluate(1000, view(['a', 'b', 'c', 'd']))).toBeUndefined();
    detector.recordFailure('z', 2000);
    // 3 of 1 + 3 live + 3 = 7: 0.43 >= 1/3; the suspect counts as unreachable.
    expect(detector.evaluate(2000, view(['a', 'b'], ['d']))).toEqual({
      type: 'PartitionDetected',
      reachable: ['self', 'a', 'b'],
      unreachable: ['x', 'y', 'z', 'd'],
    });
    expect(detector.partitioned).toBe(true);
  });

  it('does not count failures older than the window', () => {
    const detector = new PartitionDetector(rule);
    detector.recordFailure('x', 0);
    detector.recordFailure('y', 0);
    expect(detector.evaluate(20_000, view(['a']))).toBeUndefined();
  });

  it('heals once fewer than minUnreachable stay unreachable, naming who came back', () => {
    const detector = new PartitionDetector(rule);
    for (const id of ['x', 'y', 'z']) detector.recordFailure(id, 0);
    expect(detector.evaluate(0, view(['a', 'b']))?.type).toBe('PartitionDetected');
    detector.recordRecovery('x');
    expect(detector.evaluate(1, view(['a', 'b', 'x']))).toBeUndefined();
    expect(detector.unreachableMembers()).toEqual(['y', 'z']);
    detector.recordRecovery('y');
    expect(detector.evaluate(2, view(['a', 'b', 'x', 'y']))).toEqual({
      type: 'PartitionHealed',
      rejoined: ['x', 'y'],
    });
    expect(detector.partitioned).toBe(false);
  });

  it('forgets reclaimed members without announcing a heal', () => {
    const detector = new PartitionDetector(rule);
    for (const id of ['x', 'y']) detector.recordFailure(id, 0);
    expect(detector.evaluate(0, view(['a']))?.type).toBe('PartitionDetected');
    detector.forget('x');
    detector.forget('y');
    expect(detector.evaluate(1, view(['a']))).toBeUndefined();
    expect(detector.partitioned).toBe(false);
  });
});
