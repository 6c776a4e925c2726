import { CheckDeps } from "../verify/checks";
import { describeAnswer, httpGet, joinUrl } from "../verify/http";
import { parseJson } from "../verify/json";

/** The counts `npm run gcs-emulator` keeps (`GET /_emulator/operations`), as far as load reads them. */
interface Counts {
  readonly byClass: { readonly A: number; readonly B: number; readonly free: number };
  readonly byMethod: Readonly<Record<string, number>>;
}

/** What one run caused in the bucket, read from the emulator before and after. */
export interface BucketOperations {
  readonly emulatorUrl: string;
  /** The counting window: from before the first span until the run (and any --settle) ended. */
  readonly seconds: number;
  readonly classA: number;
  readonly classB: number;
  readonly free: number;
  readonly byMethod: Readonly<Record<string, number>>;
  /** The same rates over a day, for pricing (docs/cost.md). */
  readonly perDay: { readonly classA: number; readonly classB: number };
}

const SECONDS_PER_DAY = 86_400;

/** Reads the emulator's counts; throws naming the URL when it cannot. */
export async function readEmulatorCounts(emulatorUrl: string, deps: CheckDeps): Promise<Counts> {
  const url = joinUrl(emulatorUrl, "_emulator/operations");
  const answer = await httpGet(deps.http, url);
  const body = answer.reached && answer.status === 200 ? parseJson(answer.body) : undefined;
  if (!isCounts(body)) {
    throw new Error(`${url}: ${describeAnswer(answer)}; expected npm run gcs-emulator's operation counts`);
  }
  return body;
}

function isCounts(value: unknown): value is Counts {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const { byClass, byMethod } = value as { byClass?: unknown; byMethod?: unknown };
  return (
    typeof byClass === "object" &&
    byClass !== null &&
    ["A", "B", "free"].every((key) => typeof (byClass as Record<string, unknown>)[key] === "number") &&
    typeof byMethod === "object" &&
    byMethod !== null
  );
}

/** The difference of two readings over `seconds`. */
export function bucketOperationsBetween(
  emulatorUrl: string,
  before: Counts,
  after: Counts,
  seconds: number,
): BucketOperations {
  const classA = after.byClass.A - before.byClass.A;
  const classB = after.byClass.B - before.byClass.B;
  const methods = new Set([...Object.keys(before.byMethod), ...Object.keys(after.byMethod)]);
  const byMethod = Object.fromEntries(
    [...methods]
      .map((method) => [method, (after.byMethod[method] ?? 0) - (before.byMethod[method] ?? 0)] as const)
      .filter(([, count]) => count !== 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const perDay = (count: number) => (seconds > 0 ? Math.round((count * SECONDS_PER_DAY) / seconds) : 0);
  return {
    emulatorUrl,
    seconds,
    classA,
    classB,
    free: after.byClass.free - before.byClass.free,
    byMethod,
    perDay: { classA: perDay(classA), classB: perDay(classB) },
  };
}
