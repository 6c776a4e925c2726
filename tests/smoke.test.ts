import { expect } from "chai";
import { runProgram, runProgramExpectingError, stackFileConfig } from "./harness";

describe("smoke", () => {
  it("runs", async () => {
    const run = await runProgram(stackFileConfig("local"));
    console.log(run.resources.map((r) => `${r.type} ${r.name} parent=${r.parent} deps=${r.dependsOn} retain=${r.retainOnDelete}`));
    console.log(run.outputs);
    expect(run.resources.length).to.be.greaterThan(3);
  });
  it("fails", async () => {
    const { error, resources } = await runProgramExpectingError({ "tracing:grafanaPort": "70000" });
    console.log(error.message, resources.length);
  });
  it("runs again", async () => {
    const run = await runProgram({ ...stackFileConfig("local"), "tracing:mode": "lgtm" });
    console.log(run.resources.map((r) => `${r.type} ${r.name} parent=${r.parent}`));
  });
});
