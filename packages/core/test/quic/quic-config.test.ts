import type MatrixLogger from '@matrixai/logger';
import { LogLevel } from '@matrixai/logger';
import { describe, expect, it } from 'vitest';
import { parseQuicTransportOptions } from '../../src/quic/config.js';
import { udpPayloadFor } from '../../src/quic/lean/quiche-config.js';
import { createQuicLogger } from '../../src/quic/quic-logger.js';
import { QuicTransport } from '../../src/quic/quic-transport.js';
import { MemoryLogger } from './helpers.js';

describe('QuicTransportOptions', () => {
  it('fills documented defaults so a dead peer is noticed within seconds', () => {
    const options = parseQuicTransportOptions({ tls: {} });
    expect(options.maxIdleTimeoutMs).toBe(5000);
    expect(options.keepAliveIntervalMs).toBe(1000);
    expect(options.maxUdpPayloadSize).toBeUndefined();
    expect(options.initialMaxStreams).toBe(1);
    expect(options.applicationProtocol).toBe('rpcnet/1');
    expect(options.driver).toBe('lean');
    expect(options.congestionControl).toBe('cubic');
  });

  it('sizes UDP payloads automatically: 16000 to loopback peers, 1350 elsewhere, or as set', () => {
    const auto = parseQuicTransportOptions({ tls: {} });
    expect(udpPayloadFor(auto, '127.0.0.1')).toBe(16000);
    expect(udpPayloadFor(auto, '127.8.9.10')).toBe(16000);
    expect(udpPayloadFor(auto, '::1')).toBe(16000);
    expect(udpPayloadFor(auto, '::ffff:127.0.0.1')).toBe(16000);
    expect(udpPayloadFor(auto, '10.0.0.7')).toBe(1350);
    expect(udpPayloadFor(auto, 'fd00::7')).toBe(1350);
    // A listener accepts large packets; each peer's advertised limit caps what it is sent.
    expect(udpPayloadFor(auto)).toBe(16000);
    const fixed = parseQuicTransportOptions({ tls: {}, maxUdpPayloadSize: 1350 });
    expect(udpPayloadFor(fixed, '127.0.0.1')).toBe(1350);
    expect(udpPayloadFor(fixed)).toBe(1350);
  });

  it.each([
    [{ maxUdpPayloadSize: 1000 }, /maxUdpPayloadSize/],
    [{ maxUdpPayloadSize: 70000 }, /maxUdpPayloadSize/],
    [{ maxIdleTimeoutMs: 0 }, /maxIdleTimeoutMs/],
    [{ maxIdleTimeoutMs: 1000, keepAliveIntervalMs: 1000 }, /keepAliveIntervalMs/],
    [{ initialMaxStreams: 0 }, /initialMaxStreams/],
    [{ connectTimeoutMs: -1 }, /connectTimeoutMs/],
    [{ connectTimeoutMs: 30 * 24 * 3600 * 1000 }, /connectTimeoutMs.*at most 2147483647 ms/],
    [{ maxIdleTimeoutMs: 2 ** 31 }, /maxIdleTimeoutMs.*at most/],
  ])('rejects %o naming the field', (tuning, field) => {
    expect(() => new QuicTransport({ tls: {}, ...tuning })).toThrow(field);
  });

  it.each([
    [{ cert: 'not pem', key: 'not pem' }, /tls\.cert/],
    [{ cert: '-----BEGIN CERTIFICATE-----' }, /tls\.key/],
    [{ insecureSkipVerify: true, verifyPeer: true }, /tls\.insecureSkipVerify/],
  ])('rejects TLS options %o naming the field', (tls, field) => {
    expect(() => new QuicTransport({ tls })).toThrow(field);
  });

  it('refuses to listen without a certificate', async () => {
    await expect(
      new QuicTransport({ tls: {} }).listen({ host: '127.0.0.1', port: 0 }, () => {}),
    ).rejects.toThrow(/tls\.cert/);
  });
});

describe('createQuicLogger', () => {
  it('drops INFO and DEBUG and routes WARN and ERROR into our logger', () => {
    const target = new MemoryLogger();
    const logger = createQuicLogger(target);
    const child = logger.getChild('QUICConnection 1');
    child.info('stream created');
    child.debug('packet');
    child.warn('slow');
    child.error('broken');
    expect(target.lines).toEqual([
      { level: 'warn', message: 'slow' },
      { level: 'error', message: 'broken' },
    ]);
  });

  it('can be limited to ERROR', () => {
    const target = new MemoryLogger();
    const logger: MatrixLogger = createQuicLogger(target, 'error');
    logger.warn('slow');
    logger.error('broken');
    expect(logger.getEffectiveLevel()).toBe(LogLevel.ERROR);
    expect(target.lines).toEqual([{ level: 'error', message: 'broken' }]);
  });
});
