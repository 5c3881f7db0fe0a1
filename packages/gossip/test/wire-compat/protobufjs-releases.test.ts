import { readFileSync } from 'node:fs';
import previousProtobuf from 'protobufjs-7';
import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeDatagram } from '../../src/codec.js';
import { GOSSIP_PROTO_SCHEMA } from '../../src/messages.js';
import { WIRE_SAMPLES } from './samples.js';

// Bytes protobufjs 7.6.6 encoded (committed before the upgrade to 8.x, never regenerated): the
// members a rolling upgrade leaves on the previous release send exactly these.
const fixture = JSON.parse(
  readFileSync(new URL('./datagrams-protobufjs-7.6.6.json', import.meta.url), 'utf8'),
) as { encoder: string; datagrams: Record<string, string> };
const previousBytes = (name: string) => Buffer.from(fixture.datagrams[name]!, 'hex');

// The previous release's decoder, over the same schema. Its codec reads fields off the decoded
// message, where an absent proto3 field is its default: `toObject` with defaults is that view.
const PreviousDatagram = previousProtobuf.Root.fromJSON(GOSSIP_PROTO_SCHEMA).lookupType('Datagram');
const readByPrevious = (bytes: Uint8Array) =>
  PreviousDatagram.toObject(PreviousDatagram.decode(bytes), {
    defaults: true,
    arrays: true,
    objects: true,
    oneofs: true,
    longs: Number,
    bytes: Array,
  });

describe('gossip datagrams across protobufjs releases (7.6.6 and the current one)', () => {
  it('the fixture was encoded by 7.6.6 and covers every sample', () => {
    expect(fixture.encoder).toBe('protobufjs 7.6.6');
    expect(Object.keys(fixture.datagrams).sort()).toEqual(Object.keys(WIRE_SAMPLES).sort());
  });

  for (const [name, messages] of Object.entries(WIRE_SAMPLES)) {
    it(`${name}: what 7.6.6 encoded decodes to the same messages`, () => {
      expect(decodeDatagram(previousBytes(name))).toEqual(messages);
    });

    it(`${name}: 7.6.6 reads what is encoded now as it reads its own bytes`, () => {
      const now = encodeDatagram(messages);
      expect(readByPrevious(now)).toEqual(readByPrevious(previousBytes(name)));
    });
  }
});
