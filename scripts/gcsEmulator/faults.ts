import { Clock } from "../verify/poll";

/**
 * The bucket refusing everyone for a while, as GCS does until a new IAM binding has propagated,
 * and a fixed delay before every answer. Time is the injected clock's: a window of N seconds
 * opened at t refuses requests arriving before t + N s and serves the one arriving at t + N s.
 */
export class Faults {
  private deniedUntil: number;

  constructor(
    private readonly clock: Clock,
    denyForMs: number,
    readonly latencyMs: number,
  ) {
    this.deniedUntil = clock.now() + denyForMs;
  }

  /** Refuse from now on for `ms` (0 ends a window at once); replaces any window still open. */
  denyFor(ms: number): void {
    this.deniedUntil = this.clock.now() + ms;
  }

  isDenied(): boolean {
    return this.clock.now() < this.deniedUntil;
  }

  /** Milliseconds the open window has left; 0 when none is open. */
  deniedForMs(): number {
    return Math.max(0, this.deniedUntil - this.clock.now());
  }

  /** Waits the configured latency on the clock. */
  async delay(): Promise<void> {
    if (this.latencyMs > 0) {
      await this.clock.sleep(this.latencyMs);
    }
  }
}
