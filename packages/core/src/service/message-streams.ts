import { ErrorCode, RpcError } from '../errors.js';
import type { MessageCodec } from './message-codec.js';

/** Decodes one message; malformed bytes become an RpcError with `code`. */
export function decodeMessage<T>(codec: MessageCodec<T>, bytes: Uint8Array, code: ErrorCode): T {
  try {
    return codec.decode(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RpcError(code, `malformed message: ${reason}`);
  }
}

/** Encodes one message; a value the codec rejects becomes an RpcError with `code`. */
export function encodeMessage<T>(codec: MessageCodec<T>, value: T, code: ErrorCode): Uint8Array {
  try {
    return codec.encode(value);
  } catch (error) {
    if (error instanceof RpcError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new RpcError(code, `cannot encode message: ${reason}`);
  }
}

/** Decodes a stream of payloads lazily; leaving early propagates to the source. */
export async function* decodeStream<T>(
  source: AsyncIterable<Uint8Array>,
  codec: MessageCodec<T>,
  code: ErrorCode,
): AsyncGenerator<T, void, undefined> {
  for await (const bytes of source) yield decodeMessage(codec, bytes, code);
}

/** Encodes a stream of values lazily. */
export async function* encodeStream<T>(
  source: AsyncIterable<T>,
  codec: MessageCodec<T>,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const value of source) yield encodeMessage(codec, value, ErrorCode.INTERNAL);
}
