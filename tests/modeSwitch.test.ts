import { expect } from "chai";
import { LOCAL_MODE_OUTPUT, modeSwitchProblem } from "../config/stack/previousDeployment";
import { runProgram, runProgramExpectingError, stackFileConfig } from "./harness";

describe("switching the local mode", () => {
  it("refuses split → lgtm while the split containers run, before any resource, naming the command", async () => {
    // GIVEN a stack whose last deployment ran the split containers
    // WHEN the mode is set to lgtm and the program runs
    const { error, resources } = await runProgramExpectingError(
      { ...stackFileConfig("local"), "tracing:mode": "lgtm" },
      { [LOCAL_MODE_OUTPUT]: "split" },
    );
    // THEN nothing is registered, and the message names the key, the running mode and the way out
    expect(resources).to.deep.equal([]);
    expect(error.message).to.contain('tracing:mode = "lgtm": expected "split" while the split containers run');
    expect(error.message).to.contain("`npm run up:local`");
    expect(error.message).to.contain("destroy -s local");
  });

  it("refuses lgtm → split the same way", async () => {
    const { error, resources } = await runProgramExpectingError(stackFileConfig("local"), {
      [LOCAL_MODE_OUTPUT]: "lgtm",
    });
    expect(resources).to.deep.equal([]);
    expect(error.message).to.contain('tracing:mode = "split": expected "lgtm" while the lgtm containers run');
  });

  it("deploys and records its mode when the mode is unchanged", async () => {
    const run = await runProgram(stackFileConfig("local"), "test", [], { [LOCAL_MODE_OUTPUT]: "split" });
    expect(run.outputs[LOCAL_MODE_OUTPUT]).to.equal("split");
    expect(run.resources.filter((r) => r.type === "docker:index/container:Container")).to.have.length(2);
  });

  it("treats a stack without a recorded mode (first deployment) as free to choose", () => {
    expect(modeSwitchProblem(undefined, "lgtm")).to.equal(undefined);
    expect(modeSwitchProblem("split", "split")).to.equal(undefined);
  });
});
