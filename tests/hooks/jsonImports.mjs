// An ESM loader hook for the one ESM-only package the tests use, @actions/workflow-parser,
// which imports its JSON schema without `with { type: "json" }`: Node 20's own loader refuses
// that import, so the hook adds the attribute to a JSON import that has none. Registered on
// first use by tests/actionsWorkflow.ts (module.register); plain JavaScript, since loader hooks
// run in their own thread, outside tsx.
export async function load(url, context, nextLoad) {
  if (url.endsWith(".json") && context.importAttributes?.type === undefined) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
  }
  return nextLoad(url, context);
}
