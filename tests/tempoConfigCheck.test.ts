import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { TEMPO_RELEASES, TempoLine, findTempoRelease } from "../config/constants/tempoReleases";
import { MOUNT, RunResult, main, tempoConfigVariants } from "../scripts/tempoConfigs/main";
import { loadWorkflowParser, parseWorkflowText } from "./actionsWorkflow";
import { ACCEPTED_KEYS, PLACEMENT_KEYS, keyPaths } from "./tempoSchema";

const ROOT = path.resolve(__dirname, "..");

/**
 * `docker run <tempo image> -config.file=... -config.verify=true` as the real one answers: it
 * reads the mounted file and refuses a key its release does not parse, with Tempo's own message
 * (yaml unmarshal errors, `field X not found in type ...`, exit 1). The keys are the ones
 * tests/tempoSchema.ts took from each release's source; `accepted` narrows them to break it.
 */
function stubDocker(accepted: (line: TempoLine) => ReadonlySet<string> = parsedBy) {
  const calls: { args: readonly string[]; file: string }[] = [];
  const docker = (args: readonly string[]): RunResult => {
    const volume = args[args.indexOf("--volume") + 1] ?? "";
    const [hostDir, mount, mode] = volume.split(":");
    const image = args.find((arg) => arg.startsWith("grafana/tempo:")) ?? "";
    const release = findTempoRelease(image.slice("grafana/tempo:".length));
    const fileArg = args.find((arg) => arg.startsWith("-config.file=")) ?? "";
    const inside = fileArg.slice("-config.file=".length);
    if (!release || mount !== MOUNT || mode !== "ro" || !inside.startsWith(`${MOUNT}/`)) {
      return { status: 125, output: `docker: cannot run ${JSON.stringify(args)}` };
    }
    const file = fs.readFileSync(path.join(hostDir ?? "", inside.slice(MOUNT.length)), "utf8");
    calls.push({ args, file });
    const unknown = keyPaths(parse(file)).filter((key) => !accepted(release.line).has(key));
    if (unknown.length > 0) {
      const field = unknown[0].split(".").pop() ?? "";
      return {
        status: 1,
        output: `failed parsing config: failed to parse configFile ${inside}: yaml: unmarshal errors:\n  field ${field} not found in type`,
      };
    }
    return { status: 0, output: "" };
  };
  return { docker, calls };
}

/** The keys a release parses, as far as the project writes them: lgtm's placement is read at v3.0.3. */
function parsedBy(line: TempoLine): ReadonlySet<string> {
  return line === "3.0" ? new Set([...ACCEPTED_KEYS["3.0"], ...PLACEMENT_KEYS]) : ACCEPTED_KEYS[line];
}

function run(docker: (args: readonly string[]) => RunResult) {
  const log: string[] = [];
  const errors: string[] = [];
  const status = main({ log: (line) => log.push(line), error: (line) => errors.push(line), docker, root: ROOT });
  return { status, log, errors };
}

describe("npm run check:tempo-configs: every tempo.yaml, checked by its own Tempo", () => {
  it("checks both stacks with every Tempo release, and lgtm mode with the Tempo its image bundles", () => {
    expect(tempoConfigVariants(ROOT).map((variant) => variant.name)).to.have.members([
      ...TEMPO_RELEASES.flatMap((release) => [`local, Tempo ${release.version}`, `prod, Tempo ${release.version}`]),
      "local lgtm, Tempo 3.0.3",
    ]);
  });

  it("hands each file, read-only and with no network, to its release's pinned image, and passes when all are accepted", () => {
    const { docker, calls } = stubDocker();
    const { status, errors, log } = run(docker);
    expect(errors).to.deep.equal([]);
    expect(status).to.equal(0);
    const variants = tempoConfigVariants(ROOT);
    expect(calls.map((call) => call.file)).to.deep.equal(variants.map((variant) => variant.content));
    for (const [i, call] of calls.entries()) {
      expect(call.args).to.include.members([
        "--rm",
        "--network",
        "none",
        variants[i].release.image,
        "-config.verify=true",
      ]);
    }
    expect(log).to.have.length(variants.length);
    // the prod file is the one that carries the bucket-traffic settings
    expect(calls.find((call) => call.file.includes("bloom_filter_shard_size_bytes"))).to.not.equal(undefined);
  });

  it("fails, naming the file and quoting Tempo, when a release refuses a key the builder writes", () => {
    const { docker } = stubDocker((line) =>
      line === "3.0"
        ? new Set([...parsedBy("3.0")].filter((key) => key !== "live_store.max_block_bytes"))
        : parsedBy(line),
    );
    const { status, errors } = run(docker);
    expect(status).to.equal(1);
    expect(errors.join("\n")).to.contain("refused  prod, Tempo 3.0.3 (grafana/tempo:3.0.3), exit 1");
    expect(errors.join("\n")).to.contain("field max_block_bytes not found in type");
    expect(errors.join("\n")).to.not.contain("local, Tempo 3.0.3");
  });

  it("runs in a workflow GitHub parses, on pull requests and main, with the runner's Docker", async () => {
    const parser = await loadWorkflowParser();
    const file = "tempo-config.yml";
    const { errors, text, events } = await parseWorkflowText(
      parser,
      file,
      fs.readFileSync(path.join(ROOT, ".github", "workflows", file), "utf8"),
    );
    expect(errors).to.deep.equal([]);
    expect(Object.keys(events)).to.have.members(["pull_request", "push"]);
    expect(text).to.match(/^\s+- run: npm ci$/m);
    expect(text).to.match(/^\s+run: npm run check:tempo-configs$/m);
    expect(text).to.match(/runs-on: ubuntu-24\.04/);
  });
});
