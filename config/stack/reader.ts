import { ConfigError, ConfigProblem } from "./errors";
import { ALL_CONFIG_KEYS } from "./keys";
import { ConfigSource } from "./source";

const WHOLE_NUMBER = /^\d+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Reads typed values from a config source, remembering every problem instead of stopping
 * at the first, so that `finish()` can report them together. Each getter returns a usable
 * fallback after recording a problem; callers must call `finish()` before using the result.
 */
export class ConfigReader {
  private readonly problems: ConfigProblem[] = [];
  /** Full keys read so far: whatever the stack sets beyond them is refused as unknown. */
  private readonly read = new Set<string>();

  constructor(
    private readonly source: ConfigSource,
    private readonly namespace: string,
    /** The keys of the namespace the program may read (config/stack/keys.ts). */
    private readonly declared: readonly string[] = ALL_CONFIG_KEYS,
  ) {}

  /** The full key for a key of this reader's namespace. */
  public key(name: string): string {
    return name.includes(":") ? name : `${this.namespace}:${name}`;
  }

  public raw(name: string): string | undefined {
    if (!name.includes(":") && !this.declared.includes(name)) {
      // A programming error, not a user's: every key read must be declared, so that the
      // unknown-key check knows it.
      throw new Error(`config key ${this.key(name)} is read but not declared in config/stack/keys.ts`);
    }
    const key = this.key(name);
    this.read.add(key);
    const value = this.source.get(key);
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  /** Keys of this reader's namespace that the stack sets and nothing has read. */
  public unreadKeys(): string[] {
    const prefix = `${this.namespace}:`;
    return this.source
      .keys()
      .filter((key) => key.startsWith(prefix) && !this.read.has(key))
      .sort();
  }

  /** The raw value of a full key, without marking it read (for reporting it). */
  public valueOf(fullKey: string): string | undefined {
    return this.source.get(fullKey);
  }

  public fail(name: string, value: string | undefined, expected: string): void {
    this.problems.push({ key: this.key(name), value, expected });
  }

  public string(name: string, fallback: string, pattern?: RegExp, expected?: string): string {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    if (pattern && !pattern.test(value)) {
      this.fail(name, value, expected ?? `a value matching ${pattern}`);
      return fallback;
    }
    return value;
  }

  /** A value that must be present; `expected` says what it should look like. */
  public required(name: string, expected: string, pattern?: RegExp): string {
    const value = this.raw(name);
    if (value === undefined || (pattern && !pattern.test(value))) {
      this.fail(name, value, expected);
      return "";
    }
    return value;
  }

  public oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    const match = allowed.find((candidate) => candidate === value);
    if (match === undefined) {
      this.fail(name, value, `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
      return fallback;
    }
    return match;
  }

  public wholeNumber(name: string, fallback: number, min: number, max: number, unit = ""): number {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    const parsed = WHOLE_NUMBER.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.fail(name, value, `a whole number${unit} from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  }

  public port(name: string, fallback: number): number {
    return this.wholeNumber(name, fallback, 1, 65535);
  }

  public boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    if (value !== "true" && value !== "false") {
      this.fail(name, value, "true or false");
      return fallback;
    }
    return value === "true";
  }

  public ipv4(name: string, fallback: string): string {
    return this.string(name, fallback, IPV4, "an IPv4 address such as 127.0.0.1 (0.0.0.0 listens on every interface)");
  }

  /** An optional absolute http(s) URL; undefined when the key is unset. */
  public optionalHttpUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      return undefined;
    }
    if (!isHttpUrl(value)) {
      this.fail(name, value, "an absolute http:// or https:// URL, e.g. http://prometheus:9090/api/v1/write");
      return undefined;
    }
    return value;
  }

  /**
   * A value that must be held encrypted in the stack (`pulumi config set --secret`): a plain one
   * is refused without echoing it, since it already sits readable in Pulumi.<stack>.yaml.
   */
  public secret(name: string, expected: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      return undefined;
    }
    if (!this.source.isSecret(this.key(name))) {
      this.fail(
        name,
        "(a plain value, not shown)",
        `${expected}, set with \`pulumi config set --secret ${this.key(name)} ...\` so that it is encrypted in the stack file; rotate the one now in plain text`,
      );
      return undefined;
    }
    return value;
  }

  /** A JSON value (Pulumi hands objects and lists to programs as JSON text). */
  public json(name: string, expected: string): unknown {
    const value = this.raw(name);
    if (value === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(value) as unknown;
    } catch {
      this.fail(name, value, expected);
      return undefined;
    }
  }

  /** Throws one ConfigError naming every problem seen so far. */
  public finish(): void {
    if (this.problems.length > 0) {
      throw new ConfigError(this.problems);
    }
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}
