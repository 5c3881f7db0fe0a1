import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort, tryParseHostPort } from '../src/index.js';

describe('host:port', () => {
  it('parses names, IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('localhost:7000')).toEqual({ host: 'localhost', port: 7000 });
    expect(parseHostPort(' 10.0.0.1:0 ')).toEqual({ host: '10.0.0.1', port: 0 });
    expect(parseHostPort('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
  });

  it('rejects unbracketed IPv6, missing or out-of-range ports and empty hosts', () => {
    for (const bad of [
      '::1:7000',
      'host',
      'host:',
      ':7000',
      'host:65536',
      'host:-1',
      '[::1]7000',
    ]) {
      expect(tryParseHostPort(bad), bad).toBeUndefined();
      expect(() => parseHostPort(bad), bad).toThrow(/expected host:port or \[ipv6\]:port/);
    }
  });

  it('formats from parts or an object, bracketing IPv6, and round-trips', () => {
    expect(formatHostPort('::1', 80)).toBe('[::1]:80');
    expect(formatHostPort({ host: 'example.com', port: 443 })).toBe('example.com:443');
    for (const address of ['a.b:1', '[fe80::1]:7946']) {
      expect(formatHostPort(parseHostPort(address))).toBe(address);
    }
  });
});
