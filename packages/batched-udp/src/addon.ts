import { createRequire } from 'node:module';

/** An open socket inside the addon. */
export type NativeSocket = { readonly __nativeSocket: unique symbol };

/** The compiled addon's functions (see src/batched_udp.c). */
export interface BatchedUdpAddon {
  open(family: 4 | 6): NativeSocket;
  bind(socket: NativeSocket, host: string, port: number): void;
  connect(socket: NativeSocket, host: string, port: number): void;
  localAddress(socket: NativeSocket): [string, number];
  setBufferSizes(socket: NativeSocket, bytes: number): void;
  startReceiving(
    socket: NativeSocket,
    onDatagrams: (count: number) => void,
    onError: (code: string, syscall: string) => void,
  ): void;
  send(
    socket: NativeSocket,
    buffer: Buffer,
    lengths: Uint32Array,
    count: number,
    port?: number,
    host?: string,
  ): void;
  ref(socket: NativeSocket): void;
  unref(socket: NativeSocket): void;
  /** [bytes queued waiting for the kernel, datagrams dropped, GSO still on, GRO on]. */
  stats(socket: NativeSocket): [number, number, boolean, boolean];
  /** Closes the socket; `onClosed` runs once the descriptor is closed. */
  close(socket: NativeSocket, onClosed?: () => void): void;
  /** Where a received batch lies (datagram i at the offset its metadata gives). */
  readonly receiveArea: Buffer;
  /**
   * metaWords words per datagram: length, port, family, IPv4 address, IPv6 address (4 words),
   * offset in receiveArea.
   */
  readonly receiveMeta: Int32Array;
  readonly metaWords: number;
}

/** The addon, or why it is not available here. */
export type AddonLoad =
  | { readonly addon: BatchedUdpAddon; readonly reason?: undefined }
  | { readonly addon?: undefined; readonly reason: string };

let loaded: AddonLoad | undefined;

/** Loads the compiled addon once; never throws. */
export function loadAddon(): AddonLoad {
  if (loaded !== undefined) return loaded;
  if (process.platform !== 'linux') {
    loaded = { reason: `batched UDP needs Linux (this is ${process.platform})` };
    return loaded;
  }
  try {
    const require = createRequire(import.meta.url);
    loaded = { addon: require('../build/batched_udp.node') as BatchedUdpAddon };
  } catch (error) {
    loaded = { reason: `the addon is not built (${(error as Error).message.split('\n')[0]})` };
  }
  return loaded;
}
