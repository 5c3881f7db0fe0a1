import { ErrorCode, RpcError } from '@rpcnet/core';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../src/index.js';

const error = (code: ErrorCode, notProcessed = false) =>
  new RpcError(code, code.toLowerCase(), { notProcessed });

describe('classifyFailure', () => {
  it.each([
    // code, notProcessed, idempotent, attempt timed out -> worker fault, retryable
    [ErrorCode.UNAVAILABLE, false, true, false, true, true],
    [ErrorCode.UNAVAILABLE, false, false, false, true, false],
    [ErrorCode.UNAVAILABLE, true, false, false, true, true],
    [ErrorCode.RESOURCE_EXHAUSTED, true, false, false, true, true],
    [ErrorCode.RESOURCE_EXHAUSTED, false, true, false, true, false],
    [ErrorCode.DEADLINE_EXCEEDED, false, true, false, true, false],
    [ErrorCode.DEADLINE_EXCEEDED, false, true, true, true, true],
    [ErrorCode.DEADLINE_EXCEEDED, false, false, true, true, false],
    [ErrorCode.INTERNAL, false, true, false, true, false],
    [ErrorCode.INVALID_ARGUMENT, false, true, false, false, false],
    [ErrorCode.NOT_FOUND, false, true, false, false, false],
    [ErrorCode.CANCELLED, false, true, false, false, false],
  ] as const)(
    '%s notProcessed=%s idempotent=%s timedOut=%s -> fault=%s retry=%s',
    (code, notProcessed, idempotent, timedOut, workerFault, retryable) => {
      expect(classifyFailure(error(code, notProcessed), idempotent, timedOut)).toEqual({
        workerFault,
        retryable,
      });
    },
  );
});
