import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;
const TIME_BYTES = 4;

/**
 * Stateless retry tokens (RFC 9000 §8.1.2): a server answers a client's first Initial with a
 * Retry carrying a token, and accepts the connection only when the client echoes it from the
 * same address. This proves the address is real before the server spends a handshake on it.
 * A token binds the original destination connection id, the connection id the Retry told the
 * client to use, the client address and a timestamp under an HMAC with a per-listener key, so a
 * replayed token opens no connection under any other id.
 */
export class RetryTokens {
  readonly #key = randomBytes(32);
  readonly #lifetimeSeconds: number;
  readonly #now: () => number;

  constructor(lifetimeSeconds = 10, now: () => number = Date.now) {
    this.#lifetimeSeconds = lifetimeSeconds;
    this.#now = now;
  }

  /**
   * A token for a client at `address` whose first Initial had destination id `odcid`, told by
   * the Retry to use `retryId` from now on.
   */
  mint(odcid: Uint8Array, retryId: Uint8Array, address: string): Uint8Array {
    const body = Buffer.allocUnsafe(TIME_BYTES + 1 + odcid.length);
    body.writeUInt32BE(Math.floor(this.#now() / 1000) >>> 0, 0);
    body[TIME_BYTES] = odcid.length;
    body.set(odcid, TIME_BYTES + 1);
    return Buffer.concat([body, this.#mac(body, retryId, address)]);
  }

  /**
   * The original destination id inside a valid, fresh token from `address` on an Initial sent
   * to `destinationId` (the id the Retry named), else undefined.
   */
  validate(token: Uint8Array, destinationId: Uint8Array, address: string): Uint8Array | undefined {
    if (token.length < TIME_BYTES + 1 + MAC_BYTES) return undefined;
    const bytes = Buffer.from(token.buffer, token.byteOffset, token.length);
    const odcidLength = bytes[TIME_BYTES]!;
    const bodyLength = TIME_BYTES + 1 + odcidLength;
    if (bytes.length !== bodyLength + MAC_BYTES) return undefined;
    const body = bytes.subarray(0, bodyLength);
    const mac = this.#mac(body, destinationId, address);
    if (!timingSafeEqual(bytes.subarray(bodyLength), mac)) return undefined;
    const age = Math.floor(this.#now() / 1000) - bytes.readUInt32BE(0);
    if (age < 0 || age > this.#lifetimeSeconds) return undefined;
    return Uint8Array.from(body.subarray(TIME_BYTES + 1));
  }

  #mac(body: Uint8Array, retryId: Uint8Array, address: string): Buffer {
    return createHmac('sha256', this.#key)
      .update(body)
      .update(retryId)
      .update(address)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
