import { createHmac, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import type { QUICClientCrypto, QUICServerCrypto } from '@matrixai/quic';

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  // A copy: Buffers may share a larger pool and are typed as ArrayBufferLike.
  return Uint8Array.from(bytes).buffer;
}

/** Client crypto for @matrixai/quic: secure random bytes for connection ids. */
export function clientCrypto(): QUICClientCrypto {
  return {
    ops: {
      randomBytes: async (data: ArrayBuffer): Promise<void> => {
        randomFillSync(new Uint8Array(data));
      },
    },
  };
}

/** Server crypto for @matrixai/quic: HMAC-SHA256 over a per-listener random key (retry tokens). */
export function serverCrypto(): QUICServerCrypto {
  const key = randomBytes(32);
  const mac = (macKey: ArrayBuffer, data: ArrayBuffer): Buffer =>
    createHmac('sha256', new Uint8Array(macKey)).update(new Uint8Array(data)).digest();
  return {
    key: toArrayBuffer(key),
    ops: {
      sign: async (macKey: ArrayBuffer, data: ArrayBuffer): Promise<ArrayBuffer> =>
        toArrayBuffer(mac(macKey, data)),
      verify: async (
        macKey: ArrayBuffer,
        data: ArrayBuffer,
        sig: ArrayBuffer,
      ): Promise<boolean> => {
        const expected = mac(macKey, data);
        const given = new Uint8Array(sig);
        return given.length === expected.length && timingSafeEqual(given, expected);
      },
    },
  };
}
