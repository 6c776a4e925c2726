import { StepDone } from "./checks";
import { BrokenLink } from "./failures";
import { duration } from "./format";
import { Clock } from "./poll";

/** Where output lines go: the console, or a test's buffer. */
export type Write = (line: string) => void;

export type StepOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/** Numbers, times and prints each step as it finishes, and the closing summary line. */
export class Reporter {
  private index = 0;
  private passed = 0;
  private skipped = 0;
  private failed: { readonly label: string; readonly link: string } | undefined;

  constructor(
    private readonly write: Write,
    private readonly total: number,
    private readonly clock: Clock,
  ) {}

  async step<T>(title: string, run: () => Promise<StepDone<T>>): Promise<StepOutcome<T>> {
    const label = this.nextLabel();
    const start = this.clock.now();
    try {
      const done = await run();
      this.write(`✔ ${label} ${title} (${duration(this.clock.now() - start)})`);
      done.notes.forEach((note) => this.write(`    ${note}`));
      this.passed += 1;
      return { ok: true, value: done.value };
    } catch (error) {
      const broken = error instanceof BrokenLink ? error : unexpected(error);
      this.write(`✘ ${label} ${title} (${duration(this.clock.now() - start)})`);
      this.write(`    ${broken.link}: ${broken.problem}`);
      this.write(`    fix: ${broken.fix}`);
      this.failed = { label, link: broken.link };
      return { ok: false };
    }
  }

  skip(title: string, reason: string): void {
    this.write(`- ${this.nextLabel()} ${title}: skipped, ${reason}`);
    this.skipped += 1;
  }

  /** Writes the summary line, with `detail` on success; true when no step failed. */
  finish(detail?: string): boolean {
    if (this.failed) {
      this.write(`verify FAILED at ${this.failed.label}: ${this.failed.link} (${this.passed} passed before it)`);
      return false;
    }
    const skipped = this.skipped > 0 ? `, ${this.skipped} skipped` : "";
    this.write(`verify passed: ${this.passed}/${this.total} steps${skipped}${detail ? `; ${detail}` : ""}`);
    return true;
  }

  private nextLabel(): string {
    this.index += 1;
    return `[${this.index}/${this.total}]`;
  }
}

/** A bug, not a broken link: still reported as a failed step rather than a crash. */
function unexpected(error: unknown): BrokenLink {
  const message = error instanceof Error ? error.message : String(error);
  return new BrokenLink("unexpected error", message, "a bug in scripts/verify; please report it with this output");
}
