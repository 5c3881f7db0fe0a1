import { describe, expect, it } from 'vitest';
import { Envelopes } from '../src/wire/envelopes.js';

describe('control-frame envelopes', () => {
  it('round-trip every body with all fields set', () => {
    const hello = {
      protocol: 'rpcnet',
      version: 1,
      maxFrameBytes: 4 * 1024 * 1024,
      initialWindowBytes: 65536,
      maxConcurrentCalls: 100,
      features: 1,
    };
    expect(Envelopes.hello.decode(Envelopes.hello.encode(hello))).toEqual(hello);
    const request = { method: 'svc.Echo', metadata: { a: '1', 'b-c': 'ü' }, timeoutMs: 2500 };
    expect(Envelopes.request.decode(Envelopes.request.encode(request))).toEqual(request);
    const trailers = {
      code: 'INTERNAL',
      message: 'boom',
      details: { field: 'x' },
      metadata: { t: 'y' },
      notProcessed: true,
    };
    expect(Envelopes.trailers.decode(Envelopes.trailers.encode(trailers))).toEqual(trailers);
    expect(Envelopes.headers.decode(Envelopes.headers.encode({ metadata: { h: 'v' } }))).toEqual({
      metadata: { h: 'v' },
    });
    expect(
      Envelopes.cancel.decode(Envelopes.cancel.encode({ code: 'CANCELLED', message: 'm' })),
    ).toEqual({ code: 'CANCELLED', message: 'm' });
    expect(
      Envelopes.windowUpdate.decode(Envelopes.windowUpdate.encode({ credit: 2 ** 31 })),
    ).toEqual({
      credit: 2 ** 31,
    });
    const goAway = { lastCallId: 0xffff_ffff, code: 'UNAVAILABLE', message: 'bye' };
    expect(Envelopes.goAway.decode(Envelopes.goAway.encode(goAway))).toEqual(goAway);
  });

  it('decode absent fields as defaults (an empty body is a valid OK trailer)', () => {
    expect(Envelopes.trailers.decode(new Uint8Array(0))).toEqual({
      code: '',
      message: '',
      details: {},
      metadata: {},
      notProcessed: false,
    });
  });

  it('leave out every field at its default, so an all-default body is empty', () => {
    const bytes = (encoded: Uint8Array) => [...encoded];
    expect(
      bytes(
        Envelopes.trailers.encode({
          code: '',
          message: '',
          details: {},
          metadata: {},
          notProcessed: false,
        }),
      ),
    ).toEqual([]);
    expect(bytes(Envelopes.windowUpdate.encode({ credit: 0 }))).toEqual([]);
    // Only the set field is written: field 1 (lastCallId) as varint 5; field 5 (notProcessed).
    expect(bytes(Envelopes.goAway.encode({ lastCallId: 5, code: '', message: '' }))).toEqual([
      0x08, 0x05,
    ]);
    expect(bytes(Envelopes.trailers.encode({ code: '', notProcessed: true }))).toEqual([
      0x28, 0x01,
    ]);
  });

  it('throw on malformed bytes', () => {
    expect(() => Envelopes.request.decode(Uint8Array.of(0x0a, 0xff, 0xff, 0xff))).toThrow();
    expect(() => Envelopes.hello.decode(Uint8Array.of(0xff))).toThrow();
  });
});
