/** A `host:port` split into its parts; IPv6 hosts are written `[::1]:7946`. */
export interface ParsedHostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` or `[v6]:port`; returns `undefined` when it is not a valid address. */
export function parseHostPort(address: string): ParsedHostPort | undefined {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(address);
  const plain = bracketed ? undefined : /^([^:\s]+):(\d{1,5})$/.exec(address);
  const match = bracketed ?? plain;
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 0 || port > 65535) return undefined;
  return { host: match[1]!, port };
}

/** Formats a host and port as `host:port`, bracketing IPv6 hosts. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
