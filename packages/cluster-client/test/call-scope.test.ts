import { VirtualClock } from '@rpcnet/base';
import { ErrorCode, RpcError } from '@rpcnet/core';
import { describe, expect, it, vi } from 'vitest';
import { CallScope } from '../src/call-scope.js';

const START = 1_000_000;
/** Deadlines are epoch milliseconds: the scope runs on a wall clock. */
const wallClock = () => new VirtualClock({ startMs: START, kind: 'wall' });

describe('CallScope deadline', () => {
  it('takes the earliest of deadline and timeoutMs, else the default timeout, else none', () => {
    const clock = wallClock();
    expect(new CallScope(clock, { timeoutMs: 500 }, 9_000).deadline).toBe(START + 500);
    expect(new CallScope(clock, { deadline: START + 200, timeoutMs: 500 }, 9_000).deadline).toBe(
      START + 200,
    );
    expect(new CallScope(clock, {}, 9_000).deadline).toBe(START + 9_000);
    expect(new CallScope(clock, {}, undefined).deadline).toBe(Number.POSITIVE_INFINITY);
  });

  it('aborts with DEADLINE_EXCEEDED exactly at the deadline, naming it', () => {
    const clock = wallClock();
    const scope = new CallScope(clock, { timeoutMs: 500 }, undefined);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(499);
    expect(scope.signal.aborted).toBe(false);
    expect(scope.reason).toBeUndefined();
    expect(() => scope.throwIfEnded()).not.toThrow();
    clock.advance(1);
    expect(scope.signal.aborted).toBe(true);
    const reason = scope.reason;
    expect(reason).toBeInstanceOf(RpcError);
    expect(reason?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(reason?.message).toBe('the call deadline passed');
    expect(reason?.details).toEqual({ deadline: new Date(START + 500).toISOString() });
    expect(scope.signal.reason).toBe(reason);
    expect(scope.cancelledByCaller).toBe(false);
    expect(() => scope.throwIfEnded()).toThrow(reason as RpcError);
  });

  it('ends at once, without a timer, when the deadline is now or past', () => {
    for (const deadline of [START, START - 1]) {
      const clock = wallClock();
      const scope = new CallScope(clock, { deadline }, undefined);
      expect(scope.reason?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
      expect(clock.pendingTimers).toBe(0);
    }
  });

  it('sets no timer without a deadline', () => {
    const clock = wallClock();
    const scope = new CallScope(clock, {}, undefined);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1e9);
    expect(scope.reason).toBeUndefined();
  });
});

describe('CallScope cancellation', () => {
  it("aborts with CANCELLED when the caller aborts, the caller's reason as cause", () => {
    const clock = wallClock();
    const caller = new AbortController();
    const scope = new CallScope(clock, { signal: caller.signal, timeoutMs: 500 }, undefined);
    expect(scope.cancelledByCaller).toBe(false);
    const why = new Error('user left');
    caller.abort(why);
    expect(scope.reason?.code).toBe(ErrorCode.CANCELLED);
    expect(scope.reason?.message).toBe('cancelled by the caller');
    expect(scope.reason?.cause).toBe(why);
    expect(scope.cancelledByCaller).toBe(true);
    // The deadline passing later does not replace the first reason.
    clock.advance(500);
    expect(scope.reason?.code).toBe(ErrorCode.CANCELLED);
  });

  it('starts cancelled when the caller signal already aborted', () => {
    const why = new Error('too late');
    const scope = new CallScope(wallClock(), { signal: AbortSignal.abort(why) }, undefined);
    expect(scope.reason?.code).toBe(ErrorCode.CANCELLED);
    expect(scope.reason?.message).toBe('cancelled by the caller');
    expect(scope.reason?.cause).toBe(why);
    expect(scope.cancelledByCaller).toBe(true);
  });

  it('keeps the deadline as the reason when the caller aborts afterwards', () => {
    const clock = wallClock();
    const caller = new AbortController();
    const scope = new CallScope(clock, { signal: caller.signal, timeoutMs: 10 }, undefined);
    clock.advance(10);
    caller.abort();
    expect(scope.reason?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
  });
});

describe('CallScope dispose', () => {
  it('stops the timer, unhooks the caller signal and aborts what still listens', () => {
    const clock = wallClock();
    const caller = new AbortController();
    const remove = vi.spyOn(caller.signal, 'removeEventListener');
    const add = vi.spyOn(caller.signal, 'addEventListener');
    const scope = new CallScope(clock, { signal: caller.signal, timeoutMs: 500 }, undefined);
    scope.dispose();
    expect(clock.pendingTimers).toBe(0);
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0]?.[1]);
    expect(scope.reason?.code).toBe(ErrorCode.CANCELLED);
    expect(scope.reason?.message).toBe('the call ended');
    expect(scope.cancelledByCaller).toBe(false);
    clock.advance(500);
    expect(scope.reason?.message).toBe('the call ended');
  });

  it('ends a call without deadline or signal', () => {
    const scope = new CallScope(wallClock(), {}, undefined);
    scope.dispose();
    expect(scope.reason?.code).toBe(ErrorCode.CANCELLED);
    expect(scope.reason?.message).toBe('the call ended');
    expect(scope.cancelledByCaller).toBe(false);
  });

  it('keeps the reason of a call that already ended', () => {
    const clock = wallClock();
    const scope = new CallScope(clock, { timeoutMs: 5 }, undefined);
    clock.advance(5);
    const reason = scope.reason;
    scope.dispose();
    expect(scope.reason).toBe(reason);
    expect(scope.reason?.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
  });
});
