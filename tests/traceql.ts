/**
 * A checker for the part of TraceQL this project writes: spanset filters and the metrics
 * pipelines of the overview dashboard. Written from Tempo's grammar and lexer at the pinned
 * tags (grafana/tempo pkg/traceql/expr.y and lexer.go at v3.0.3; the productions used here are
 * the same at v2.10.8): a recursive-descent reading of
 *
 *   root               : spansetFilter
 *                      | spansetFilter PIPE metricsAggregation (PIPE metricsSecondStage)*
 *   spansetFilter      : OPEN_BRACE fieldExpression? CLOSE_BRACE
 *   fieldExpression    : fieldExpression (AND | OR) fieldExpression
 *                      | operand (= | != | < | <= | > | >= | =~ | !~) operand
 *                      | OPEN_PARENS fieldExpression CLOSE_PARENS | static | attribute
 *   metricsAggregation : RATE() | COUNT_OVER_TIME() | (MIN|MAX|SUM|AVG|HISTOGRAM)_OVER_TIME(attribute)
 *                      | QUANTILE_OVER_TIME(attribute, numericList), each with an optional BY(attributeList)
 *   metricsSecondStage : TOPK(INTEGER) | BOTTOMK(INTEGER)
 *
 * It refuses what Tempo's parser refuses for these shapes (an unknown function, a comparison
 * after a pipe, an unknown intrinsic or scope, unbalanced braces); it is not the whole
 * language, and it does not evaluate anything: real Tempo answering the queries is measured
 * separately (docs/capacity.md).
 */

type Token =
  | { readonly kind: "punct"; readonly text: string }
  | { readonly kind: "op"; readonly text: string }
  | { readonly kind: "word"; readonly text: string }
  | { readonly kind: "string"; readonly text: string }
  | { readonly kind: "number"; readonly text: string; readonly integer: boolean }
  | { readonly kind: "duration"; readonly text: string };

/** Intrinsics of lexer.go that these queries use, and their neighbours. */
const INTRINSICS = new Set([
  "name",
  "status",
  "statusMessage",
  "duration",
  "kind",
  "traceDuration",
  "rootName",
  "rootServiceName",
  "nestedSetLeft",
  "nestedSetRight",
  "nestedSetParent",
]);
const STATUS_VALUES = new Set(["error", "ok", "unset"]);
const KIND_VALUES = new Set(["unspecified", "internal", "client", "server", "producer", "consumer"]);
const STATICS = new Set(["true", "false", "nil", ...STATUS_VALUES, ...KIND_VALUES]);
const SCOPES = ["resource.", "span.", "event.", "link.", "instrumentation.", "trace:", "span:"];
const NO_ARGUMENT = new Set(["rate", "count_over_time"]);
const ONE_ATTRIBUTE = new Set([
  "min_over_time",
  "max_over_time",
  "sum_over_time",
  "avg_over_time",
  "histogram_over_time",
]);
const SECOND_STAGE = new Set(["topk", "bottomk"]);
const COMPARISONS = new Set(["=", "!=", "<", "<=", ">", ">=", "=~", "!~"]);
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+/;

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const rest = query.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const op = /^(&&|\|\||=~|!~|!=|<=|>=|=|<|>)/.exec(rest);
    if (op) {
      tokens.push({ kind: "op", text: op[0] });
      i += op[0].length;
      continue;
    }
    if ("{}()|,".includes(rest[0])) {
      tokens.push({ kind: "punct", text: rest[0] });
      i += 1;
      continue;
    }
    if (rest[0] === '"') {
      const string = /^"(\\.|[^"\\])*"/.exec(rest);
      if (!string) {
        throw new Error(`unterminated string at ${i}`);
      }
      tokens.push({ kind: "string", text: string[0] });
      i += string[0].length;
      continue;
    }
    const duration = DURATION.exec(rest);
    if (duration && !/^[A-Za-z0-9_]/.test(rest.slice(duration[0].length))) {
      tokens.push({ kind: "duration", text: duration[0] });
      i += duration[0].length;
      continue;
    }
    const number = /^(\d+\.\d*|\.\d+|\d+)/.exec(rest);
    if (number) {
      tokens.push({ kind: "number", text: number[0], integer: /^\d+$/.test(number[0]) });
      i += number[0].length;
      continue;
    }
    // Attributes: a scope, then dotted names (lexer.go reads `resource.service.name` whole).
    const word = /^(\.|[A-Za-z_][A-Za-z0-9_]*(:|\.)?)[A-Za-z0-9_.\-:]*/.exec(rest);
    if (word) {
      tokens.push({ kind: "word", text: word[0] });
      i += word[0].length;
      continue;
    }
    throw new Error(`unexpected ${JSON.stringify(rest[0])} at ${i}`);
  }
  return tokens;
}

class Parser {
  private at = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  root(): void {
    this.spansetFilter();
    if (this.peek()?.text === "|") {
      this.take("|");
      this.metricsAggregation();
      while (this.peek()?.text === "|") {
        this.take("|");
        this.secondStage();
      }
    }
    const left = this.peek();
    if (left !== undefined) {
      throw new Error(`unexpected ${JSON.stringify(left.text)} after the query`);
    }
  }

  private spansetFilter(): void {
    this.take("{");
    if (this.peek()?.text !== "}") {
      this.fieldExpression();
    }
    this.take("}");
  }

  private fieldExpression(): void {
    this.comparison();
    while (this.peek()?.text === "&&" || this.peek()?.text === "||") {
      this.at += 1;
      this.comparison();
    }
  }

  private comparison(): void {
    if (this.peek()?.text === "(") {
      this.take("(");
      this.fieldExpression();
      this.take(")");
      return;
    }
    const left = this.operand();
    const op = this.peek();
    if (op?.kind === "op" && COMPARISONS.has(op.text)) {
      this.at += 1;
      const right = this.operand();
      if (left === "status" && !(right.startsWith("status:") || STATUS_VALUES.has(right))) {
        throw new Error(`status compared with ${right}: expected error, ok or unset`);
      }
      if ((op.text === "=~" || op.text === "!~") && !right.startsWith('"')) {
        throw new Error(`${op.text} takes a string pattern`);
      }
      return;
    }
    if (!STATICS.has(left) || left === "nil") {
      // A bare attribute is a boolean test in Tempo; the queries here only use bare `true`.
      if (left !== "true" && left !== "false") {
        throw new Error(`${left} alone is not a condition`);
      }
    }
  }

  /** An attribute, an intrinsic or a static; returns its text. */
  private operand(): string {
    const token = this.next();
    if (token.kind === "string" || token.kind === "number" || token.kind === "duration") {
      return token.text;
    }
    if (token.kind === "word") {
      this.attributeOrStatic(token.text);
      return token.text;
    }
    throw new Error(`unexpected ${JSON.stringify(token.text)} where a value belongs`);
  }

  private attributeOrStatic(text: string): void {
    if (STATICS.has(text) || INTRINSICS.has(text)) {
      return;
    }
    const scope = SCOPES.find((prefix) => text.startsWith(prefix));
    if (scope !== undefined) {
      if (text.length === scope.length) {
        throw new Error(`${text}: a scope without an attribute name`);
      }
      return;
    }
    if (text.startsWith(".") && text.length > 1) {
      return;
    }
    throw new Error(`unknown intrinsic or unscoped attribute ${JSON.stringify(text)} (write .${text} or span.${text})`);
  }

  private attribute(): void {
    const token = this.next();
    if (token.kind !== "word") {
      throw new Error(`expected an attribute, got ${JSON.stringify(token.text)}`);
    }
    if (STATICS.has(token.text)) {
      throw new Error(`expected an attribute, got the value ${token.text}`);
    }
    this.attributeOrStatic(token.text);
  }

  private metricsAggregation(): void {
    const name = this.next();
    if (name.kind !== "word") {
      throw new Error(`expected a metrics function after |, got ${JSON.stringify(name.text)}`);
    }
    this.take("(");
    if (NO_ARGUMENT.has(name.text)) {
      // no arguments
    } else if (ONE_ATTRIBUTE.has(name.text)) {
      this.attribute();
    } else if (name.text === "quantile_over_time") {
      this.attribute();
      this.take(",");
      this.quantile();
      while (this.peek()?.text === ",") {
        this.take(",");
        this.quantile();
      }
    } else {
      throw new Error(`${name.text} is not a metrics function of TraceQL`);
    }
    this.take(")");
    if (this.peek()?.text === "by") {
      this.at += 1;
      this.take("(");
      this.attribute();
      while (this.peek()?.text === ",") {
        this.take(",");
        this.attribute();
      }
      this.take(")");
    }
  }

  private quantile(): void {
    const token = this.next();
    if (token.kind !== "number" || Number(token.text) < 0 || Number(token.text) > 1) {
      throw new Error(`expected a quantile from 0 to 1, got ${JSON.stringify(token.text)}`);
    }
  }

  private secondStage(): void {
    const name = this.next();
    if (name.kind !== "word" || !SECOND_STAGE.has(name.text)) {
      throw new Error(`${name.text} is not a second-stage function (topk, bottomk)`);
    }
    this.take("(");
    const count = this.next();
    if (count.kind !== "number" || !count.integer) {
      throw new Error(`${name.text} takes a whole number`);
    }
    this.take(")");
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(): Token {
    const token = this.tokens[this.at];
    if (token === undefined) {
      throw new Error("unexpected end of the query");
    }
    this.at += 1;
    return token;
  }

  private take(text: string): void {
    const token = this.next();
    if (token.text !== text) {
      throw new Error(`expected ${JSON.stringify(text)}, got ${JSON.stringify(token.text)}`);
    }
  }
}

/** Why Tempo's grammar refuses `query`, or undefined when this checker accepts it. */
export function traceqlProblem(query: string): string | undefined {
  try {
    new Parser(tokenize(query)).root();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Whether the query has a metrics pipeline, as Grafana's Tempo data source decides it. */
export function isMetricsQuery(query: string): boolean {
  return /\|\s*(rate|count_over_time|avg_over_time|max_over_time|min_over_time|sum_over_time|quantile_over_time|histogram_over_time|compare)\s*\(/.test(
    query,
  );
}
