import protobuf from 'protobufjs';
import type { MessageCodec } from './message-codec.js';

/** Message codecs for the types of one protobuf schema. */
export interface ProtobufTypes {
  /** The codec of the message type `fullName` (e.g. `demo.HelloRequest`). */
  codec<T extends object>(fullName: string): MessageCodec<T>;
}

/**
 * Loads a protobuf schema from the JSON text of its descriptor (`protobuf.Root#toJSON()`, which
 * `rpcnet-gen` embeds), so nothing is read from disk at run time. Decoded messages have every
 * scalar, repeated and map field set (defaults filled in), 64-bit integers as decimal strings,
 * enums as their names and bytes as Uint8Array.
 */
export function protobufTypes(descriptorJson: string): ProtobufTypes {
  const root = protobuf.Root.fromJSON(JSON.parse(descriptorJson));
  return {
    codec<T extends object>(fullName: string): MessageCodec<T> {
      const type = root.lookupType(fullName);
      return {
        encode: (value) => type.encode(type.fromObject(value)).finish(),
        decode: (bytes) =>
          type.toObject(type.decode(bytes), {
            defaults: true,
            longs: String,
            enums: String,
            arrays: true,
            objects: true,
          }) as T,
      };
    },
  };
}
