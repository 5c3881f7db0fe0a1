import { ErrorCode, RpcError } from '@rpcnet/core';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../src/failover-policy.js';

const error = (code: ErrorCode, notProcessed = false) =>
  new RpcError(code, code.toLowerCase(), { notProcessed });

describe('classifyFailure', () => {
  it.each([
    // code, notProcessed, idempotent, attempt timed out
    //   -> worker fault, retryable, connection failure, answered
    [ErrorCode.UNAVAILABLE, false, true, false, true, true, true, false],
    [ErrorCode.UNAVAILABLE, false, false, false, true, false, true, false],
    [ErrorCode.UNAVAILABLE, true, false, false, true, true, true, false],
    [ErrorCode.RESOURCE_EXHAUSTED, true, false, false, true, true, false, false],
    [ErrorCode.RESOURCE_EXHAUSTED, false, true, false, true, false, false, false],
    [ErrorCode.DEADLINE_EXCEEDED, false, true, false, true, false, false, false],
    [ErrorCode.DEADLINE_EXCEEDED, false, true, true, true, true, true, false],
    [ErrorCode.DEADLINE_EXCEEDED, false, false, true, true, false, true, false],
    [ErrorCode.INTERNAL, false, true, false, true, false, false, false],
    [ErrorCode.INVALID_ARGUMENT, false, true, false, false, false, false, true],
    [ErrorCode.NOT_FOUND, false, true, false, false, false, false, true],
    [ErrorCode.CANCELLED, false, true, false, false, false, false, false],
  ] as const)(
    '%s notProcessed=%s idempotent=%s timedOut=%s -> fault=%s retry=%s connection=%s answered=%s',
    (code, notProcessed, idempotent, timedOut, workerFault, retryable, connection, answered) => {
      expect(classifyFailure(error(code, notProcessed), idempotent, timedOut)).toEqual({
        workerFault,
        retryable,
        connectionFailure: connection,
        answered,
      });
    },
  );
});
