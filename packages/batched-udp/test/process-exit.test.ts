import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** A process that leaves sockets open (receiving, connected, one mid-close) and ends on its own. */
const script = `
const { BatchedUdpSocket } = await import(${JSON.stringify(entry)});
const a = BatchedUdpSocket.bind('127.0.0.1', 0, 1 << 20);
const b = BatchedUdpSocket.bind('127.0.0.1', 0, 1 << 20);
let got = 0;
a.on('message', () => { got++; });
b.on('error', () => {});
b.connect('127.0.0.1', a.address().port);
b.send(Buffer.from('x'), 0, 1);
for (let waited = 0; got === 0 && waited < 5000; waited += 5) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const c = BatchedUdpSocket.bind('127.0.0.1', 0, 1 << 20);
c.on('message', () => {});
c.close(() => {});
a.unref();
b.unref();
console.log('received', got);
`;

function run(args: string[]): { status: number | null; signal: string | null; stdout: string } {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout };
}

describe('a process that exits with batched sockets still open', () => {
  it('exits with status 0 (the sockets are closed without JavaScript at teardown)', () => {
    const result = run(['--input-type=module', '-e', script]);
    expect(result).toEqual({ status: 0, signal: null, stdout: 'received 1\n' });
  });

  it('and so does a worker thread, three times in one process', () => {
    const workers = `
const { Worker } = await import('node:worker_threads');
for (let i = 0; i < 3; i++) {
  const worker = new Worker(${JSON.stringify(script)}, { eval: true, stdout: false });
  const code = await new Promise((resolve) => worker.on('exit', resolve));
  if (code !== 0) process.exit(10 + code);
}
console.log('workers ok');
`;
    const result = run(['--input-type=module', '-e', workers]);
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('workers ok');
  });
});
