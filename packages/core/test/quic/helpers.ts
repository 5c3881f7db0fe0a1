import { createSocket } from 'node:dgram';
import type { Logger } from '../../src/index.js';
import { createDevCertificate, type DevCertificate } from '../../src/quic/dev-certificate.js';
import type {
  ChannelReceiver,
  TransportConnection,
  TransportListener,
} from '../../src/transport.js';

/** A receiver that records everything it is given. */
export class RecordingReceiver implements ChannelReceiver {
  readonly chunks: Uint8Array[] = [];
  received = 0;
  closed = false;
  closeError: Error | undefined;

  onData(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.received += chunk.length;
  }

  onClose(error?: Error): void {
    this.closed = true;
    this.closeError = error;
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** A logger that keeps every line, to assert on what was (not) logged. */
export class MemoryLogger implements Logger {
  readonly lines: Array<{ level: string; message: string }> = [];
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
}

let shared: { server: DevCertificate; client: DevCertificate; other: DevCertificate } | undefined;

/** Development certificates made once per test file: server, client (mTLS) and an unrelated one. */
export function certificates(): {
  server: DevCertificate;
  client: DevCertificate;
  other: DevCertificate;
} {
  shared ??= {
    server: createDevCertificate(),
    client: createDevCertificate({ commonName: 'rpcnet test client' }),
    other: createDevCertificate({ commonName: 'rpcnet unrelated CA' }),
  };
  return shared;
}

/** Tracks what a test opened so `afterEach` can close all of it. */
export class Resources {
  private readonly listeners: TransportListener[] = [];
  private readonly connections: TransportConnection[] = [];

  listener<T extends TransportListener>(listener: T): T {
    this.listeners.push(listener);
    return listener;
  }

  connection<T extends TransportConnection>(connection: T): T {
    this.connections.push(connection);
    return connection;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.connections.splice(0).map((c) => c.close(new Error('test cleanup'))));
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
  }
}

/**
 * A UDP relay between a client and a server that can be told to drop everything, so a test
 * can make a peer vanish without a CONNECTION_CLOSE (as a crashed host or a cut cable would).
 */
export class BlackholeRelay {
  private readonly front = createSocket('udp4');
  private readonly back = createSocket('udp4');
  private client: { address: string; port: number } | undefined;
  dropping = false;

  private constructor(private readonly target: number) {}

  /** Starts a relay on 127.0.0.1 (ephemeral port) in front of `127.0.0.1:targetPort`. */
  static async start(targetPort: number): Promise<BlackholeRelay> {
    const relay = new BlackholeRelay(targetPort);
    relay.front.on('message', (message, from) => {
      relay.client = { address: from.address, port: from.port };
      if (!relay.dropping) relay.back.send(message, relay.target, '127.0.0.1');
    });
    relay.back.on('message', (message) => {
      if (!relay.dropping && relay.client !== undefined) {
        relay.front.send(message, relay.client.port, relay.client.address);
      }
    });
    await new Promise<void>((resolve) => relay.front.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => relay.back.bind(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return this.front.address().port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.front.close(() => resolve()));
    await new Promise<void>((resolve) => this.back.close(() => resolve()));
  }
}
