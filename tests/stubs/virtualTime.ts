import { Clock } from "../../scripts/verify/poll";

interface Sleeper {
  readonly at: number;
  readonly wake: () => void;
}

/**
 * Time the test controls: it moves only when the code under test sleeps, never with the real
 * clock. Whenever the event loop comes round with sleepers pending, the clock jumps to the
 * earliest wake-up and wakes it, as a scheduler with nothing else to do would, so several
 * pollers sleeping at once each wake at their own time. A test thus follows Tempo's half-minute
 * search delay in milliseconds of real time, and a busy machine changes nothing it asserts:
 * real work (network I/O, the SDK's own timers) takes no time on this clock.
 *
 * The wall clock starts 400 ms into a whole second, always: Tempo's search windows are whole
 * seconds (real Tempo listed a fresh trace 30.4-30.8 s after an export with its 30 s cutoff), so
 * where in a second a test happens to begin must not decide its outcome.
 */
export class VirtualTime {
  private elapsedMs = 0;
  private sleepers: Sleeper[] = [];
  private advancing = false;

  constructor(private readonly startWallMs = Math.floor(Date.now() / 1000) * 1000 + 400) {}

  /** For verify and load: monotonic milliseconds, Unix milliseconds, and a sleep that skips ahead. */
  readonly clock: Clock = {
    now: () => this.elapsedMs,
    wallNow: () => this.startWallMs + this.elapsedMs,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        this.sleepers.push({ at: this.elapsedMs + Math.max(0, ms), wake });
        this.schedule();
      }),
  };

  /** For the stub: Unix milliseconds on the same time line. */
  readonly wallNow = (): number => this.clock.wallNow();

  /** For the stub's delays: a sleep on this clock. */
  readonly sleep = (ms: number): Promise<void> => this.clock.sleep(ms);

  /** Time passed on this clock so far. */
  get elapsed(): number {
    return this.elapsedMs;
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
    this.elapsedMs = Math.max(this.elapsedMs, earliest);
    const due = this.sleepers.filter((sleeper) => sleeper.at <= this.elapsedMs);
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.at > this.elapsedMs);
    due.forEach((sleeper) => sleeper.wake());
    if (this.sleepers.length > 0) {
      this.schedule();
    }
  }
}
