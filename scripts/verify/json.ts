/** The body as JSON, or undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value[name]` when `value` is an object and that field is a non-empty string. */
export function stringField(value: unknown, name: string): string | undefined {
  const field = isRecord(value) ? value[name] : undefined;
  return typeof field === "string" && field !== "" ? field : undefined;
}

/** `value[name]` when `value` is an object and that field is a finite number (or a numeric string). */
export function numberField(value: unknown, name: string): number | undefined {
  const field = isRecord(value) ? value[name] : undefined;
  const number =
    typeof field === "number" ? field : typeof field === "string" && field.trim() !== "" ? Number(field) : NaN;
  return Number.isFinite(number) ? number : undefined;
}
