import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';
import { ClusterError, ClusterErrorCode } from './errors.js';

/** AES-256 keys are 32 bytes. */
export const KEY_BYTES = 32;
const KEY_ID_BYTES = 4;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Fixed, public salt: every node must derive the same key from the same secret. */
const SECRET_SALT = 'rpcnet-gossip-keyring-v1';
const SCRYPT_COST = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** Bytes {@link Keyring.seal} adds to a plaintext: key id, nonce and authentication tag. */
export const SEAL_OVERHEAD_BYTES = KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES;

/** Why {@link Keyring.open} refused a sealed datagram. */
export type OpenFailureReason = 'malformed-envelope' | 'unknown-key' | 'auth';

/** What {@link Keyring.open} returns: the plaintext and its nonce, or why it was refused. */
export type OpenResult =
  | { readonly ok: true; readonly plaintext: Uint8Array; readonly nonce: Uint8Array }
  | { readonly ok: false; readonly reason: OpenFailureReason };

/** A key or its id (the 8 hex characters {@link Keyring.keyIdOf} returns). */
export type KeyRef = Uint8Array | string;

/**
 * The AES-256-GCM keys of a cluster: several accepted for receiving, one primary for sending.
 * Rotate without downtime: `addKey(next)` on every node, then `useKey(next)` on every node, then
 * `removeKey(old)` on every node.
 */
export class Keyring {
  readonly #keys = new Map<string, Buffer>();
  #primaryId: string;

  /** Creates a keyring sending with `primary` and also accepting `others`. */
  constructor(primary: Uint8Array, others: readonly Uint8Array[] = []) {
    this.#primaryId = this.addKey(primary);
    for (const key of others) this.addKey(key);
  }

  /**
   * Derives a 32-byte key from a shared secret with scrypt (N=2^14, r=8, p=1) under a fixed salt,
   * so every node holding the same secret gets the same key. Use a long random secret.
   */
  static deriveKey(secret: string): Uint8Array {
    if (secret.length === 0)
      throw new ClusterError(ClusterErrorCode.AuthFailed, 'secret must not be empty');
    return new Uint8Array(scryptSync(secret, SECRET_SALT, KEY_BYTES, SCRYPT_COST));
  }

  /** A keyring whose only key is derived from `secret` (see {@link Keyring.deriveKey}). */
  static fromSecret(secret: string): Keyring {
    return new Keyring(Keyring.deriveKey(secret));
  }

  /** The public 4-byte fingerprint of a key as 8 hex characters; carried in every datagram. */
  static keyIdOf(key: Uint8Array): string {
    return createHash('sha256')
      .update('rpcnet-gossip-key-id')
      .update(key)
      .digest()
      .subarray(0, KEY_ID_BYTES)
      .toString('hex');
  }

  /** Accepts datagrams sealed with `key` from now on; returns its id. Idempotent. */
  addKey(key: Uint8Array): string {
    if (key.byteLength !== KEY_BYTES) {
      throw new ClusterError(
        ClusterErrorCode.AuthFailed,
        `key must be ${KEY_BYTES} bytes, got ${key.byteLength}`,
      );
    }
    const id = Keyring.keyIdOf(key);
    const existing = this.#keys.get(id);
    if (existing && !timingSafeEqual(existing, key)) {
      throw new ClusterError(
        ClusterErrorCode.AuthFailed,
        `key id ${id} collides with a different key`,
      );
    }
    this.#keys.set(id, Buffer.from(key));
    return id;
  }

  /** Makes an accepted key the one used for sending. */
  useKey(key: KeyRef): void {
    const id = this.#resolve(key);
    if (!this.#keys.has(id))
      throw new ClusterError(ClusterErrorCode.AuthFailed, `key ${id} is not in the keyring`);
    this.#primaryId = id;
  }

  /** Stops accepting a key. The primary key cannot be removed; switch with `useKey` first. */
  removeKey(key: KeyRef): void {
    const id = this.#resolve(key);
    if (id === this.#primaryId)
      throw new ClusterError(ClusterErrorCode.AuthFailed, 'cannot remove the primary key');
    this.#keys.delete(id);
  }

  /** The id of the key used for sending. */
  primaryKeyId(): string {
    return this.#primaryId;
  }

  /** The ids of every accepted key, the primary first. */
  keyIds(): string[] {
    return [this.#primaryId, ...[...this.#keys.keys()].filter((id) => id !== this.#primaryId)];
  }

  /**
   * Encrypts and authenticates `plaintext` (and `associatedData`, authenticated but not stored)
   * with the primary key under a fresh random 96-bit nonce: `keyId | nonce | ciphertext | tag`.
   */
  seal(plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array {
    const key = this.#keys.get(this.#primaryId)!;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    if (associatedData) cipher.setAAD(associatedData);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    return Buffer.concat([
      Buffer.from(this.#primaryId, 'hex'),
      nonce,
      head,
      tail,
      cipher.getAuthTag(),
    ]);
  }

  /** Verifies and decrypts what {@link Keyring.seal} produced with any accepted key. */
  open(sealed: Uint8Array, associatedData?: Uint8Array): OpenResult {
    if (sealed.byteLength < SEAL_OVERHEAD_BYTES) return { ok: false, reason: 'malformed-envelope' };
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const key = this.#keys.get(bytes.subarray(0, KEY_ID_BYTES).toString('hex'));
    if (!key) return { ok: false, reason: 'unknown-key' };
    const nonce = bytes.subarray(KEY_ID_BYTES, KEY_ID_BYTES + NONCE_BYTES);
    const ciphertext = bytes.subarray(KEY_ID_BYTES + NONCE_BYTES, bytes.byteLength - TAG_BYTES);
    const tag = bytes.subarray(bytes.byteLength - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      if (associatedData) decipher.setAAD(associatedData);
      const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      return { ok: true, plaintext, nonce: Uint8Array.from(nonce) };
    } catch {
      return { ok: false, reason: 'auth' };
    }
  }

  #resolve(key: KeyRef): string {
    return typeof key === 'string' ? key : Keyring.keyIdOf(key);
  }
}
