import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LabHost, NetnsLab } from './netns-lab.js';

/** How much traffic `udp-noise-process.mjs` sends, and where. */
export interface UdpNoiseSpec {
  readonly host: string;
  readonly port: number;
  readonly kbitPerSecond: number;
  readonly datagramBytes: number;
}

const script = fileURLToPath(new URL('./udp-noise-process.mjs', import.meta.url));

/** A constant-rate UDP sender running inside a lab host, to congest that host's uplink. */
export class UdpNoise {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(lab: NetnsLab, host: LabHost, spec: UdpNoiseSpec) {
    this.#child = lab.spawnNode(host, script, JSON.stringify(spec));
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin?.on('error', () => undefined);
  }

  /** Starts sending from `host` at once. */
  static start(lab: NetnsLab, host: LabHost, spec: UdpNoiseSpec): UdpNoise {
    return new UdpNoise(lab, host, spec);
  }

  /** Stops the sender (closing its stdin), SIGKILLing it after `timeoutMs`. */
  async stop(timeoutMs = 3000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
