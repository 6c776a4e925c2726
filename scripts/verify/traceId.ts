/** A trace id as Tempo may print it: lower case, leading zeros stripped. */
export function normalizeTraceId(traceId: string): string {
  return traceId.trim().toLowerCase().replace(/^0+/, "");
}

/** True when two trace ids name the same trace, however each side formatted it. */
export function sameTraceId(a: string, b: string): boolean {
  return normalizeTraceId(a) === normalizeTraceId(b);
}
