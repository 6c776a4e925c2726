import { ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./usageError";

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/** The commands' flags, strictly: an unknown flag or a stray word is a usage error (exit 2). */
export function parseFlags<O extends FlagOptions>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A numeric flag within bounds, or a usage error naming the flag, its value and what is valid. */
export function numberFlag(
  flag: string,
  value: string | undefined,
  fallback: number,
  bounds: { readonly min: number; readonly max: number; readonly whole?: boolean },
): number {
  if (value === undefined) {
    return fallback;
  }
  const number = value.trim() === "" ? Number.NaN : Number(value);
  const whole = bounds.whole === true;
  if (!Number.isFinite(number) || number < bounds.min || number > bounds.max || (whole && !Number.isInteger(number))) {
    const kind = whole ? "a whole number" : "a number";
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected ${kind} from ${bounds.min} to ${bounds.max}`);
  }
  return number;
}
