import { describe, expect, it } from 'vitest';
import { RetryTokens } from '../../../src/quic/lean/retry-tokens.js';

const odcid = Uint8Array.from({ length: 16 }, (_, index) => index);
const retryId = Uint8Array.from({ length: 20 }, (_, index) => 100 + index);

describe('RetryTokens', () => {
  it('gives back the original id for a fresh token from the same address and retry id', () => {
    const tokens = new RetryTokens(10, () => 1_000_000);
    const token = tokens.mint(odcid, retryId, '127.0.0.1');
    expect(tokens.validate(token, retryId, '127.0.0.1')).toEqual(odcid);
  });

  it('refuses a token from another address, for another id, tampered, cut short or stale', () => {
    let now = 1_000_000;
    const tokens = new RetryTokens(10, () => now);
    const token = tokens.mint(odcid, retryId, '127.0.0.1');
    expect(tokens.validate(token, retryId, '127.0.0.2')).toBeUndefined();
    expect(tokens.validate(token, odcid, '127.0.0.1')).toBeUndefined();
    const tampered = Uint8Array.from(token);
    tampered[6] = tampered[6]! ^ 1;
    expect(tokens.validate(tampered, retryId, '127.0.0.1')).toBeUndefined();
    expect(
      tokens.validate(token.subarray(0, token.length - 1), retryId, '127.0.0.1'),
    ).toBeUndefined();
    expect(tokens.validate(new Uint8Array(3), retryId, '127.0.0.1')).toBeUndefined();
    now += 11_000;
    expect(tokens.validate(token, retryId, '127.0.0.1')).toBeUndefined();
  });

  it('refuses a token minted by another listener (another key)', () => {
    const token = new RetryTokens().mint(odcid, retryId, '127.0.0.1');
    expect(new RetryTokens().validate(token, retryId, '127.0.0.1')).toBeUndefined();
  });
});
