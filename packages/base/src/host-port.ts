/** An address split into host and port; IPv6 hosts without brackets (`::1`). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

// IPv6 must be bracketed: in `::1:7000` nobody can tell where the host ends.
const BRACKETED = /^\[([^\]\s]+)\]:(\d{1,5})$/;
const PLAIN = /^([^:\s[\]]+):(\d{1,5})$/;

/** Parses `host:port` or `[ipv6]:port`; returns `undefined` when `address` is neither. */
export function tryParseHostPort(address: string): HostPort | undefined {
  const trimmed = address.trim();
  const match = BRACKETED.exec(trimmed) ?? PLAIN.exec(trimmed);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port > 65_535) return undefined;
  return { host: match[1] as string, port };
}

/**
 * Parses `host:port` or `[ipv6]:port` (port 0-65535); throws a TypeError saying the expected
 * form otherwise.
 */
export function parseHostPort(address: string): HostPort {
  const parsed = tryParseHostPort(address);
  if (parsed === undefined) {
    throw new TypeError(
      `invalid address "${address}": expected host:port or [ipv6]:port with port 0-65535`,
    );
  }
  return parsed;
}

/** Formats `host:port`, bracketing IPv6 hosts (`[::1]:7000`). */
export function formatHostPort(address: HostPort): string;
export function formatHostPort(host: string, port: number): string;
export function formatHostPort(hostOrAddress: string | HostPort, port?: number): string {
  const address =
    typeof hostOrAddress === 'string' ? { host: hostOrAddress, port: port ?? 0 } : hostOrAddress;
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
