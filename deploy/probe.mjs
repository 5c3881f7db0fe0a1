// The container probe: exits 0 when the member's management endpoint answers 200 at PROBE_URL
// (default http://127.0.0.1:7980/readyz: running, joined, alive, healthy and not draining), 1
// otherwise (503, no answer within 2 s, nothing listening). No shell, no secret.
const url = process.env.PROBE_URL ?? 'http://127.0.0.1:7980/readyz';

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
