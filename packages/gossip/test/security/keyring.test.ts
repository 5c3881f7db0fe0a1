import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClusterError } from '../../src/errors.js';
import { KEY_BYTES, Keyring, SEAL_OVERHEAD_BYTES } from '../../src/keyring.js';

const keyA = new Uint8Array(KEY_BYTES).fill(1);
const keyB = new Uint8Array(KEY_BYTES).fill(2);
const text = new TextEncoder().encode('alive node-1 incarnation 7');

describe('Keyring', () => {
  it('round-trips a datagram and adds exactly the documented overhead', () => {
    const ring = new Keyring(keyA);
    const sealed = ring.seal(text);
    expect(sealed.byteLength).toBe(text.byteLength + SEAL_OVERHEAD_BYTES);
    const opened = ring.open(sealed);
    expect(opened.ok && Buffer.from(opened.plaintext).toString()).toBe(
      'alive node-1 incarnation 7',
    );
  });

  it('uses a fresh nonce per datagram, so equal plaintexts seal differently', () => {
    const ring = new Keyring(keyA);
    expect(Buffer.from(ring.seal(text)).equals(Buffer.from(ring.seal(text)))).toBe(false);
  });

  it('derives the same key from the same secret and different keys from different secrets', () => {
    const one = Keyring.deriveKey('correct horse battery staple');
    expect(
      Buffer.from(one).equals(Buffer.from(Keyring.deriveKey('correct horse battery staple'))),
    ).toBe(true);
    expect(Buffer.from(one).equals(Buffer.from(Keyring.deriveKey('another secret')))).toBe(false);
    expect(one.byteLength).toBe(KEY_BYTES);
    expect(() => Keyring.deriveKey('')).toThrow(/secret/);
  });

  it('refuses a datagram sealed under a key it does not hold', () => {
    const sealed = new Keyring(keyB).seal(text);
    expect(new Keyring(keyA).open(sealed)).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('refuses tampered ciphertext, tag or associated data', () => {
    const ring = new Keyring(keyA);
    const aad = new Uint8Array([1, 2, 3]);
    const sealed = ring.seal(text, aad);
    for (const index of [0 + 4, 20, sealed.byteLength - 1]) {
      const tampered = Uint8Array.from(sealed);
      tampered[index]! ^= 0x01;
      expect(ring.open(tampered, aad)).toEqual({ ok: false, reason: 'auth' });
    }
    expect(ring.open(sealed, new Uint8Array([1, 2, 4]))).toEqual({ ok: false, reason: 'auth' });
    expect(ring.open(sealed.subarray(0, 10))).toEqual({ ok: false, reason: 'malformed-envelope' });
  });

  it('rotates: add, switch primary, remove the old key', () => {
    const sender = new Keyring(keyA);
    const receiver = new Keyring(keyA);
    receiver.addKey(keyB);
    sender.addKey(keyB);
    sender.useKey(keyB);
    expect(sender.primaryKeyId()).toBe(Keyring.keyIdOf(keyB));
    expect(receiver.open(sender.seal(text)).ok).toBe(true);
    receiver.useKey(Keyring.keyIdOf(keyB));
    receiver.removeKey(keyA);
    expect(receiver.keyIds()).toEqual([Keyring.keyIdOf(keyB)]);
    expect(receiver.open(new Keyring(keyA).seal(text))).toEqual({
      ok: false,
      reason: 'unknown-key',
    });
  });

  it('rejects wrong key sizes, unknown keys and removing the primary', () => {
    expect(() => new Keyring(new Uint8Array(16))).toThrow(/32 bytes/);
    const ring = new Keyring(keyA);
    expect(() => ring.useKey(keyB)).toThrow(/not in the keyring/);
    expect(() => ring.removeKey(keyA)).toThrow(/primary/);
    expect(() => ring.removeKey(keyA)).toThrow(ClusterError);
  });

  it('derives the documented key and key id, so nodes of any version agree', () => {
    // scrypt(secret, 'rpcnet-gossip-keyring-v1', N=2^14, r=8, p=1) and the first 4 bytes of
    // sha256('rpcnet-gossip-key-id' | key): both are on the wire, so they must never change.
    const derived = Keyring.deriveKey('correct horse battery staple');
    expect(Buffer.from(derived).toString('hex')).toBe(
      'f34519b17553531e581ec8e42df1c9082e655389fede19b96158b310af9c24b9',
    );
    expect(Keyring.keyIdOf(new Uint8Array(KEY_BYTES))).toBe('09226352');
    const ring = Keyring.fromSecret('correct horse battery staple');
    expect(ring.keyIds()).toEqual([Keyring.keyIdOf(derived)]);
    expect(new Keyring(derived).open(ring.seal(text)).ok).toBe(true);
    expect(() => Keyring.fromSecret('')).toThrow(ClusterError);
  });

  it('refuses a second key whose id collides with an accepted one, and re-adds a key idempotently', () => {
    // Two keys with the key id c2f47e41, found by hashing 'collision-search-<n>' for n = 0, 1, ...
    const key = (n: number): Uint8Array =>
      new Uint8Array(createHash('sha256').update(`collision-search-${n}`).digest());
    const first = key(26_907);
    const second = key(100_967);
    expect(Keyring.keyIdOf(first)).toBe('c2f47e41');
    expect(Keyring.keyIdOf(second)).toBe('c2f47e41');
    const ring = new Keyring(first);
    expect(() => ring.addKey(second)).toThrow(/c2f47e41 collides with a different key/);
    expect(() => ring.addKey(second)).toThrow(ClusterError);
    expect(() => new Keyring(keyA, [first, second])).toThrow(/collides/);
    // The accepted key is still the first one.
    expect(new Keyring(first).open(ring.seal(text)).ok).toBe(true);
    expect(ring.addKey(first)).toBe('c2f47e41');
    expect(ring.keyIds()).toEqual(['c2f47e41']);
  });

  it('lists the primary key first, then the others in the order they were added', () => {
    const keyC = new Uint8Array(KEY_BYTES).fill(3);
    const ring = new Keyring(keyA, [keyB, keyC]);
    const [a, b, c] = [keyA, keyB, keyC].map((key) => Keyring.keyIdOf(key));
    expect(ring.keyIds()).toEqual([a, b, c]);
    ring.useKey(keyC);
    expect(ring.primaryKeyId()).toBe(c);
    expect(ring.keyIds()).toEqual([c, a, b]);
  });

  it('opens the sealed empty plaintext (exactly the overhead) and refuses anything shorter', () => {
    const ring = new Keyring(keyA);
    const sealed = ring.seal(new Uint8Array(0));
    expect(sealed.byteLength).toBe(SEAL_OVERHEAD_BYTES);
    const opened = ring.open(sealed);
    expect(opened.ok && opened.plaintext.byteLength).toBe(0);
    expect(ring.open(sealed.subarray(0, SEAL_OVERHEAD_BYTES - 1))).toEqual({
      ok: false,
      reason: 'malformed-envelope',
    });
  });
});
