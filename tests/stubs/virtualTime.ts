import { Clock } from "../../scripts/verify/poll";

interface Sleeper {
  readonly at: number;
  readonly wake: () => void;
}

/**
 * Time that jumps: real time plus whatever the code under test waited for. Whenever the event
 * loop comes round with sleepers pending, the clock jumps to the earliest wake-up and wakes it,
 * as a scheduler with nothing else to do would, so several pollers sleeping at once each wake at
 * their own time. A test thus follows Tempo's half-minute search delay in milliseconds of real
 * time. Network I/O stays real; only the waits are skipped.
 */
export class VirtualTime {
  private skippedMs = 0;
  private sleepers: Sleeper[] = [];
  private advancing = false;

  /** For verify and load: monotonic milliseconds, and a sleep that skips ahead. */
  readonly clock: Clock = {
    now: () => performance.now() + this.skippedMs,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        this.sleepers.push({ at: this.clock.now() + Math.max(0, ms), wake });
        this.schedule();
      }),
  };

  /** For the stub: Unix milliseconds on the same time line. */
  readonly wallNow = (): number => Date.now() + this.skippedMs;

  /** Everything skipped so far. */
  get skipped(): number {
    return this.skippedMs;
  }

  /** After pending I/O callbacks have run (setImmediate), jump to the earliest sleeper. */
  private schedule(): void {
    if (!this.advancing) {
      this.advancing = true;
      setImmediate(() => this.advance());
    }
  }

  private advance(): void {
    this.advancing = false;
    if (this.sleepers.length === 0) {
      return;
    }
    const earliest = Math.min(...this.sleepers.map((sleeper) => sleeper.at));
    this.skippedMs += Math.max(0, earliest - this.clock.now());
    const now = this.clock.now();
    const due = this.sleepers.filter((sleeper) => sleeper.at <= now);
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.at > now);
    due.forEach((sleeper) => sleeper.wake());
    if (this.sleepers.length > 0) {
      this.schedule();
    }
  }
}
