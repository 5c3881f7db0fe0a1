import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Why a request is refused before it reaches a route. */
export type AccessRefusal = 'bad-host' | 'unauthorized';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for addresses that only this host can reach. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith('127.');
}

/**
 * On a loopback listener, only requests naming a loopback host are served: a web page elsewhere
 * cannot read the endpoint by rebinding its own DNS name to 127.0.0.1.
 */
export function hostAllowed(request: IncomingMessage, listenHost: string): boolean {
  if (!isLoopbackHost(listenHost)) return true;
  const header = request.headers.host;
  if (header === undefined) return false;
  const name = header.startsWith('[')
    ? header.slice(0, header.indexOf(']') + 1)
    : header.split(':')[0];
  return name !== undefined && isLoopbackHost(name.toLowerCase());
}

/** True when no token is configured or the request carries `Authorization: Bearer <token>`. */
export function tokenAccepted(request: IncomingMessage, token: Buffer | undefined): boolean {
  if (token === undefined) return true;
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length).trim(), 'utf8');
  return given.length === token.length && timingSafeEqual(given, token);
}
