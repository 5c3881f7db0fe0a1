// A tiny container probe: exits 0 when a socket of this container is bound to UDP port
// PROBE_UDP_PORT (default 63001, the example worker's gossip port), 1 otherwise. It reads
// /proc/net/udp and /proc/net/udp6, so it needs no shell, no network call and no secret.
import { readFileSync } from 'node:fs';

const port = Number(process.env.PROBE_UDP_PORT ?? 63001);
const hexPort = port.toString(16).toUpperCase().padStart(4, '0');

/** Whether a line of /proc/net/udp* has a local address ending in this port. */
function bound(table) {
  try {
    return readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .some((line) => line.trim().split(/\s+/)[1]?.endsWith(`:${hexPort}`));
  } catch {
    return false;
  }
}

process.exit(bound('/proc/net/udp') || bound('/proc/net/udp6') ? 0 : 1);
