import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import previousProtobuf from 'protobufjs-7';
import { describe, expect, it } from 'vitest';
import { protobufTypes } from '../src/index.js';

// Messages of `protobufTypes` (what rpcnet-gen's code uses) between a peer on protobufjs 7.6.6,
// the previous release, and this one: proto3 fields at their default are where encoders differ
// (7.6.6 wrote explicit `false`, `0` and `''`; the current release leaves them out).
const protoPath = fileURLToPath(new URL('./fixtures/greeter.proto', import.meta.url));
const descriptor = JSON.stringify(protobuf.loadSync(protoPath).toJSON());
const current = protobufTypes(descriptor);
const previousRoot = previousProtobuf.Root.fromJSON(JSON.parse(descriptor));
const toObjectOptions = {
  defaults: true,
  longs: String,
  enums: String,
  arrays: true,
  objects: true,
} as const;
/** The previous release's `protobufTypes`: the same calls, on protobufjs 7.6.6. */
const previous = (fullName: string) => {
  const type = previousRoot.lookupType(fullName);
  return {
    encode: (value: object) => type.encode(type.fromObject(value)).finish(),
    decode: (bytes: Uint8Array) => type.toObject(type.decode(bytes), toObjectOptions),
  };
};

const samples: [string, object][] = [
  ['demo.HelloRequest', { name: 'ada', mood: 'HAPPY', tags: ['a', 'b'], counts: { x: 1, y: 0 } }],
  ['demo.HelloRequest', { name: '', mood: 'MOOD_UNSPECIFIED', tags: [], counts: {} }],
  [
    'demo.HelloReply',
    {
      message: 'hi',
      servedAt: '1733500000000',
      meta: { trace: new Uint8Array([1, 2]), cached: true, region: 'eu' },
    },
  ],
  [
    'demo.HelloReply',
    { message: '', servedAt: '0', meta: { trace: new Uint8Array(), cached: false, node: 0 } },
  ],
  ['demo.HelloReply', { message: '', servedAt: '0' }],
  ['demo.Meta', { cached: false, region: '' }],
  ['demo.GenerateRequest', { prompt: '', maxTokens: 0 }],
  ['demo.Token', { text: 'x', logprob: 0 }],
  ['demo.Summary', { count: 0, joined: '' }],
];

describe('protobufTypes messages across protobufjs releases (7.6.6 and the current one)', () => {
  for (const [fullName, value] of samples) {
    const label = `${fullName} ${JSON.stringify(value)}`;
    it(`${label}: decodes what 7.6.6 encoded as 7.6.6 does`, () => {
      const bytes = previous(fullName).encode(value);
      expect(current.codec(fullName).decode(bytes)).toEqual(previous(fullName).decode(bytes));
    });

    it(`${label}: 7.6.6 reads what is encoded now as it reads its own bytes`, () => {
      const now = current.codec(fullName).encode(value);
      const before = previous(fullName).encode(value);
      expect(previous(fullName).decode(now)).toEqual(previous(fullName).decode(before));
    });
  }

  it('a oneof member at its default still travels (it has presence): the origin stays known', () => {
    const bytes = current.codec('demo.Meta').encode({ node: 0 });
    expect(previous('demo.Meta').decode(bytes)).toMatchObject({ node: 0 });
  });
});
