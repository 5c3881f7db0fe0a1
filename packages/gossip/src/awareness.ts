/**
 * Lifeguard's local health score: rises when this node misses acks or must refute suspicion of
 * itself (it is probably the slow one), falls on successful probes, and stretches its own timeouts.
 */
export class Awareness {
  private current = 0;

  /** `maxMultiplier` bounds the stretch: timeouts grow to at most `maxMultiplier` times. */
  constructor(private readonly maxMultiplier: number) {}

  /** Current score, 0 (healthy) .. maxMultiplier - 1. */
  get score(): number {
    return this.current;
  }

  /** Adds `delta` (negative to improve), clamped to the valid range. */
  apply(delta: number): void {
    this.current = Math.min(this.maxMultiplier - 1, Math.max(0, this.current + delta));
  }

  /** `timeoutMs` stretched by the score: `timeoutMs * (score + 1)`. */
  scale(timeoutMs: number): number {
    return timeoutMs * (this.current + 1);
  }
}
