/** Turns typed messages into payload bytes and back; `decode` throws on malformed bytes. */
export interface MessageCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** Passes bytes through unchanged, for users who bring their own encoding. */
export const rawCodec: MessageCodec<Uint8Array> = Object.freeze({
  encode: (value: Uint8Array) => value,
  decode: (bytes: Uint8Array) => bytes,
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * JSON as UTF-8. `T` is trusted, not checked: validate decoded values (e.g. with zod) when the
 * peer is not trusted.
 */
export function jsonCodec<T>(): MessageCodec<T> {
  return {
    encode: (value) => encoder.encode(JSON.stringify(value)),
    decode: (bytes) => JSON.parse(decoder.decode(bytes)) as T,
  };
}
