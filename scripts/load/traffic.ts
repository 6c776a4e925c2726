import { Attributes, Span, SpanKind, SpanStatusCode, Tracer, context, trace } from "@opentelemetry/api";
import { TEST_SPAN } from "../verify/sendSpan";

/**
 * The shape of one diagram-agent request as traced: the guide's root span, and below it what
 * the agent does for a diagram: load the conversation history, then rounds of an LLM call (with
 * its HTTP request) and a tool call, then render. `spansPerTrace` spans in all, root included.
 */
export interface TraceShape {
  readonly spansPerTrace: number;
  /** On every root span, so the run's traffic can be found (and told apart) in Grafana. */
  readonly runId: string;
}

/** @default 25 spans: history, about 7 LLM rounds (call + HTTP request + tool), render. */
export const DEFAULT_SPANS_PER_TRACE = 25;
export const MAX_SPANS_PER_TRACE = 1000;

/** The attribute that marks a sampled trace; the load command searches for it. */
export const SAMPLE_ATTRIBUTE = "load.sample";

/** Every 50th request fails, so `{... && status=error}` has something to find. */
const ERROR_EVERY = 50;

const TOOLS = ["search_icons", "layout_graph", "validate_diagram"] as const;
const DIAGRAM_TYPES = ["aws", "gcp", "kubernetes", "network"] as const;
const MODEL = "gpt-4o";

interface Planned {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
  /** Index of the parent in the plan; the root is 0 and has none. */
  readonly parent: number | undefined;
  readonly durationMs: number;
}

/**
 * Emits one finished trace through `tracer`, its spans laid out over the last few seconds as
 * the agent would have produced them, and returns its trace id. `sample` marks the root.
 */
export function emitTrace(tracer: Tracer, shape: TraceShape, index: number, endMs: number, sample?: string): string {
  const failed = index % ERROR_EVERY === ERROR_EVERY - 1;
  const plan = planTrace(shape.spansPerTrace, index, failed);
  const totalMs = plan.slice(1).reduce((sum, step) => sum + (step.parent === 0 ? step.durationMs : 0), 0) + 20;
  let cursor = endMs - totalMs;

  const rootAttributes: Attributes = {
    ...plan[0].attributes,
    "load.run_id": shape.runId,
    ...(sample !== undefined ? { [SAMPLE_ATTRIBUTE]: sample } : {}),
  };
  const root = tracer.startSpan(plan[0].name, { kind: plan[0].kind, startTime: cursor, attributes: rootAttributes });
  const spans: Span[] = [root];
  const ends: number[] = [endMs];
  cursor += 10;
  for (let i = 1; i < plan.length; i++) {
    const step = plan[i];
    const parentIndex = step.parent ?? 0;
    const parentContext = trace.setSpan(context.active(), spans[parentIndex]);
    // A child of a non-root span runs inside it; a child of the root follows the previous one.
    const start = parentIndex === 0 ? cursor : ends[parentIndex] - step.durationMs - 5;
    const span = tracer.startSpan(
      step.name,
      { kind: step.kind, startTime: start, attributes: step.attributes },
      parentContext,
    );
    spans.push(span);
    ends.push(start + step.durationMs);
    if (parentIndex === 0) {
      cursor += step.durationMs;
    }
  }
  // Children end before their parents, as they do in the agent.
  for (let i = spans.length - 1; i >= 1; i--) {
    if (failed && plan[i].name.startsWith("tool.")) {
      spans[i].setStatus({ code: SpanStatusCode.ERROR, message: "tool call failed" });
    }
    spans[i].end(ends[i]);
  }
  if (failed) {
    root.setStatus({ code: SpanStatusCode.ERROR, message: "diagram generation failed" });
  }
  root.end(endMs);
  return root.spanContext().traceId;
}

/** The spans of one request, root first. Deterministic in `index`, so runs are comparable. */
function planTrace(spansPerTrace: number, index: number, failed: boolean): Planned[] {
  const plan: Planned[] = [
    {
      name: TEST_SPAN.name,
      kind: SpanKind.SERVER,
      parent: undefined,
      durationMs: 0,
      attributes: {
        ...TEST_SPAN.attributes,
        "agent.has_history": index % 3 !== 0,
        "agent.diagram_type": DIAGRAM_TYPES[index % DIAGRAM_TYPES.length],
        "http.request.method": "POST",
        "http.route": "/api/v1/diagrams/",
        "http.response.status_code": failed ? 500 : 201,
      },
    },
  ];
  const children = spansPerTrace - 1;
  for (let i = 1; i <= children; i++) {
    if (i === 1) {
      plan.push({
        name: "agent.load_history",
        kind: SpanKind.CLIENT,
        parent: 0,
        durationMs: 15 + (index % 20),
        attributes: { "db.system.name": "postgresql", "db.operation.name": "SELECT", "db.collection.name": "messages" },
      });
    } else if (i === children && children > 2) {
      plan.push({
        name: "agent.render_diagram",
        kind: SpanKind.INTERNAL,
        parent: 0,
        durationMs: 40 + (index % 60),
        attributes: { "agent.output.format": "svg" },
      });
    } else {
      plan.push(roundStep(i - 2, index, plan.length));
    }
  }
  return plan;
}

/** One step of an LLM round: the call, its HTTP request (inside the call), then a tool call. */
function roundStep(step: number, index: number, position: number): Planned {
  const round = Math.floor(step / 3);
  switch (step % 3) {
    case 0:
      return {
        name: `chat ${MODEL}`,
        kind: SpanKind.CLIENT,
        parent: 0,
        durationMs: 400 + ((index * 7 + round * 13) % 900),
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": MODEL,
          "gen_ai.response.model": `${MODEL}-2024-08-06`,
          "gen_ai.usage.input_tokens": 900 + ((index + round * 211) % 2400),
          "gen_ai.usage.output_tokens": 120 + ((index + round * 97) % 600),
          "agent.round": round + 1,
        },
      };
    case 1:
      return {
        name: "POST",
        kind: SpanKind.CLIENT,
        // Inside the chat span just before it.
        parent: position - 1,
        durationMs: 380,
        attributes: {
          "http.request.method": "POST",
          "server.address": "api.openai.com",
          "server.port": 443,
          "url.full": "https://api.openai.com/v1/chat/completions",
          "http.response.status_code": 200,
        },
      };
    default: {
      const tool = TOOLS[(index + round) % TOOLS.length];
      return {
        name: `tool.${tool}`,
        kind: SpanKind.INTERNAL,
        parent: 0,
        durationMs: 20 + ((index + round * 31) % 180),
        attributes: { "agent.tool.name": tool, "agent.round": round + 1 },
      };
    }
  }
}
