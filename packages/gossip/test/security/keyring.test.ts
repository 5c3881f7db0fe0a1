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
});
