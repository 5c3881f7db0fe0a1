// Saturating background traffic for the congested-link scenario, started inside a lab host's
// namespace by `ip netns exec ... node <this> <spec>`. argv[2] is a JSON spec:
// { host, port, kbitPerSecond, datagramBytes }. Sends until stdin closes, then exits.
import { createSocket } from 'node:dgram';

const spec = JSON.parse(process.argv[2] ?? '{}');
const socket = createSocket('udp4');
const payload = Buffer.alloc(spec.datagramBytes, 0x5a);
const bytesPerMs = (spec.kbitPerSecond * 1000) / 8 / 1000;
const started = performance.now();
let sent = 0;

// Catches up on every tick, so the average rate holds even when timers fire late.
const timer = setInterval(() => {
  const due = Math.floor(((performance.now() - started) * bytesPerMs) / spec.datagramBytes);
  for (; sent < due; sent += 1) socket.send(payload, spec.port, spec.host);
}, 5);
socket.on('error', () => undefined);
process.stdin.on('data', () => undefined);
process.stdin.on('close', () => {
  clearInterval(timer);
  socket.close();
  process.exit(0);
});
