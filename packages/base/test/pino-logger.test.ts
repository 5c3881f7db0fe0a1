import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { pinoLogger } from '../src/index.js';

/** A pino logger at `debug` writing its JSON lines into `lines`. */
function capturingPino(lines: Array<Record<string, unknown>>) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: 'debug', base: undefined, timestamp: false }, sink);
}

describe('pinoLogger', () => {
  it('writes every level to pino with the message as msg and the fields as properties', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pinoLogger(capturingPino(lines));
    logger.debug('probing', { member: 'n2' });
    logger.info('rpc server listening', { host: '127.0.0.1', port: 5000 });
    logger.warn('rpc protocol error', { callId: 7 });
    logger.error('listener failed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([
      { level: 20, member: 'n2', msg: 'probing' },
      { level: 30, host: '127.0.0.1', port: 5000, msg: 'rpc server listening' },
      { level: 40, callId: 7, msg: 'rpc protocol error' },
      { level: 50, msg: 'listener failed' },
    ]);
  });

  it('takes a child logger, whose bindings stay on every line', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pinoLogger(capturingPino(lines).child({ component: 'gossip' }));
    logger.info('joined', { members: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([{ level: 30, component: 'gossip', members: 3, msg: 'joined' }]);
  });
});
