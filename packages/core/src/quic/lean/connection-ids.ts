import { randomFillSync } from 'node:crypto';
import { CONNECTION_ID_BYTES } from './quiche.js';

/**
 * The routing key of a connection id: its first 6 bytes as a number. Ids are random, so a
 * prefix is as unique as the whole in practice; a forged packet that matches a prefix is
 * routed to a connection whose decryption drops it. Issuers check the key is free.
 */
export function connectionIdKey(bytes: Uint8Array, offset = 0): number {
  return (
    (bytes[offset]! * 65536 + bytes[offset + 1]! * 256 + bytes[offset + 2]!) * 16777216 +
    bytes[offset + 3]! * 65536 +
    bytes[offset + 4]! * 256 +
    bytes[offset + 5]!
  );
}

/** A fresh random connection id whose routing key `isTaken` does not claim. */
export function newConnectionId(isTaken: (key: number) => boolean = () => false): Uint8Array {
  const id = new Uint8Array(CONNECTION_ID_BYTES);
  do {
    randomFillSync(id);
  } while (isTaken(connectionIdKey(id)));
  return id;
}

/**
 * The routing key of a datagram: for a short header, the destination id read straight from the
 * bytes (parsing the header costs microseconds). Undefined for long headers and runts.
 */
export function shortHeaderKey(datagram: Uint8Array): number | undefined {
  if ((datagram[0]! & 0x80) !== 0 || datagram.length < 1 + CONNECTION_ID_BYTES) return undefined;
  return connectionIdKey(datagram, 1);
}
