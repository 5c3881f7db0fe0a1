import type { HostPort } from './transport.js';

/** Parses `host:port`, `[ipv6]:port` or `ipv6` with trailing `:port` into a {@link HostPort}. */
export function parseHostPort(address: string): HostPort {
  const trimmed = address.trim();
  let host: string;
  let portText: string;
  if (trimmed.startsWith('[')) {
    const close = trimmed.indexOf(']');
    if (close < 0 || trimmed[close + 1] !== ':') {
      throw new TypeError(`invalid address "${address}": expected [host]:port`);
    }
    host = trimmed.slice(1, close);
    portText = trimmed.slice(close + 2);
  } else {
    const colon = trimmed.lastIndexOf(':');
    if (colon <= 0) throw new TypeError(`invalid address "${address}": expected host:port`);
    host = trimmed.slice(0, colon);
    portText = trimmed.slice(colon + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535 || host.length === 0) {
    throw new TypeError(`invalid address "${address}": expected host:port with port 0-65535`);
  }
  return { host, port };
}

/** Formats a {@link HostPort} as `host:port` (`[host]:port` for IPv6). */
export function formatHostPort(address: HostPort): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
