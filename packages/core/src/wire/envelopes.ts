import protobuf from 'protobufjs';

/**
 * Protobuf bodies of the control frames. Defined by reflection (no .proto file at run time);
 * the equivalent .proto text is in docs/rpc-wire-protocol.md. Field numbers are part of the wire format.
 */
const descriptor = {
  nested: {
    rpcnet: {
      nested: {
        Hello: {
          fields: {
            protocol: { type: 'string', id: 1 },
            version: { type: 'uint32', id: 2 },
            maxFrameBytes: { type: 'uint32', id: 3 },
            initialWindowBytes: { type: 'uint32', id: 4 },
            maxConcurrentCalls: { type: 'uint32', id: 5 },
            features: { type: 'uint32', id: 6 },
          },
        },
        Request: {
          fields: {
            method: { type: 'string', id: 1 },
            metadata: { keyType: 'string', type: 'string', id: 2 },
            timeoutMs: { type: 'uint32', id: 3 },
          },
        },
        Headers: {
          fields: {
            metadata: { keyType: 'string', type: 'string', id: 1 },
          },
        },
        Trailers: {
          fields: {
            code: { type: 'string', id: 1 },
            message: { type: 'string', id: 2 },
            details: { keyType: 'string', type: 'string', id: 3 },
            metadata: { keyType: 'string', type: 'string', id: 4 },
            notProcessed: { type: 'bool', id: 5 },
          },
        },
        Cancel: {
          fields: {
            code: { type: 'string', id: 1 },
            message: { type: 'string', id: 2 },
          },
        },
        WindowUpdate: {
          fields: {
            credit: { type: 'uint32', id: 1 },
          },
        },
        GoAway: {
          fields: {
            lastCallId: { type: 'uint32', id: 1 },
            code: { type: 'string', id: 2 },
            message: { type: 'string', id: 3 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** HELLO: each side announces its protocol version and receive limits. */
export interface HelloBody {
  protocol: string;
  version: number;
  maxFrameBytes: number;
  initialWindowBytes: number;
  maxConcurrentCalls: number;
  /** {@link ProtocolFeature} bits the sender understands (0 from peers that predate them). */
  features: number;
}

/** REQUEST: opens a call. `timeoutMs` 0 means no deadline. */
export interface RequestBody {
  method: string;
  metadata: Record<string, string>;
  timeoutMs: number;
}

/** HEADERS: response metadata sent before the first response message. */
export interface HeadersBody {
  metadata: Record<string, string>;
}

/** TRAILERS: ends a call. An empty `code` means success. */
export interface TrailersBody {
  code: string;
  message: string;
  details: Record<string, string>;
  metadata: Record<string, string>;
  notProcessed: boolean;
}

/** CANCEL: the client abandons a call (`code` CANCELLED or DEADLINE_EXCEEDED). */
export interface CancelBody {
  code: string;
  message: string;
}

/** WINDOW_UPDATE: grants the peer `credit` more message bytes on a call. */
export interface WindowUpdateBody {
  credit: number;
}

/** GOAWAY: no call above `lastCallId` will be processed on this connection. */
export interface GoAwayBody {
  lastCallId: number;
  code: string;
  message: string;
}

/**
 * Encodes and decodes one control-frame body. `encode` leaves out fields at their default;
 * `decode` fills them in (the result may be frozen and shared) and throws on malformed bytes.
 */
export interface EnvelopeCodec<T> {
  encode(value: Partial<T>): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/**
 * `value` without the fields that hold their proto3 default ('' / 0 / false / empty map): they
 * decode the same when absent, and protobufjs would otherwise write them (bytes per frame).
 */
function withoutDefaults(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === '' || field === 0 || field === false || field === undefined) continue;
    // Stryker disable next-line all: protobufjs writes nothing for an empty map either
    if (typeof field === 'object' && field !== null && isEmpty(field)) continue;
    out[key] = field;
  }
  return out;
}

// Stryker disable all: only used to skip empty maps, which encode to nothing anyway
function isEmpty(map: object): boolean {
  for (const _ in map) return false;
  return true;
}
// Stryker restore all

/** Freezes `value` and every object inside it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }
  return value;
}

function envelope<T>(name: string): EnvelopeCodec<T> {
  const type = root.lookupType(`rpcnet.${name}`);
  // An empty body (every field at its default) is the common case for hot frames such as OK
  // trailers; it decodes to this shared, frozen value.
  const defaults = deepFreeze(type.toObject(type.create(), { defaults: true }) as T);
  return {
    encode: (value) => type.encode(withoutDefaults(value)).finish(),
    decode: (bytes) =>
      bytes.length === 0 ? defaults : (type.toObject(type.decode(bytes), { defaults: true }) as T),
  };
}

/** The codecs of every control-frame body. */
export const Envelopes = {
  hello: envelope<HelloBody>('Hello'),
  request: envelope<RequestBody>('Request'),
  headers: envelope<HeadersBody>('Headers'),
  trailers: envelope<TrailersBody>('Trailers'),
  cancel: envelope<CancelBody>('Cancel'),
  windowUpdate: envelope<WindowUpdateBody>('WindowUpdate'),
  goAway: envelope<GoAwayBody>('GoAway'),
} as const;
