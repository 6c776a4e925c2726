import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROD_PROXY, renderProxyConfig } from "../config/files/proxyConfig";
import { loadStackConfig } from "../config/stack/stackConfig";
import { stackFileSource } from "../config/stack/stackFile";
import { renderStackFiles } from "../config/stack/stackFiles";
import { main } from "../scripts/render/main";

const ROOT = path.resolve(__dirname, "..");

/** Runs the render command as `npm run render` does, without npm's banner: a process of its own. */
function renderProcess(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/render.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
}

/** The same command in this process: what it prints and its exit code. */
function render(...args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const status = main(args, { log: (line) => (stdout += `${line}\n`), error: (line) => (stderr += `${line}\n`) });
  return { status, stdout, stderr };
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe("render command", () => {
  let out: string;
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
  });
  afterEach(() => {
    fs.rmSync(out, { recursive: true, force: true });
  });

  it("writes every file the local stack deploys, byte for byte, as a process of its own", () => {
    const result = renderProcess("--stack", "local", "--out", out);
    expect(result.stderr).to.equal("");
    expect(result.status).to.equal(0);
    const expected = renderStackFiles(loadStackConfig(stackFileSource("local")));
    expect(filesUnder(out)).to.deep.equal(expected.map((f) => f.path).sort());
    for (const file of expected) {
      expect(fs.readFileSync(path.join(out, file.path), "utf8"), file.path).to.equal(file.content);
    }
    expect(fs.readFileSync(path.join(out, "tempo.yaml"), "utf8")).to.equal(
      fs.readFileSync(path.join(__dirname, "golden", "tempo-3.0.3-local.yaml"), "utf8"),
    );
  });

  it("writes the prod stack's GCS tempo.yaml and the ingress proxy config", () => {
    const result = render("--stack", "prod", "--out", out);
    expect(result.status, result.stderr).to.equal(0);
    expect(filesUnder(out)).to.include.members(["tempo.yaml", "proxy/tempo.conf"]);
    expect(fs.readFileSync(path.join(out, "tempo.yaml"), "utf8")).to.equal(
      fs.readFileSync(path.join(__dirname, "golden", "tempo-3.0.3-gcs.yaml"), "utf8"),
    );
    expect(fs.readFileSync(path.join(out, "proxy/tempo.conf"), "utf8")).to.equal(renderProxyConfig(PROD_PROXY));
  });

  it("exits 1 naming the stacks it knows when the stack file is missing", () => {
    const result = render("--stack", "staging", "--out", out);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.match(/No stack file .*Pulumi\.staging\.yaml; stacks here: local/);
    expect(filesUnder(out)).to.deep.equal([]);
  });

  it("exits 2 with the usage when an argument is missing", () => {
    const result = render("--stack", "local");
    expect(result.status).to.equal(2);
    expect(result.stderr).to.contain("usage: npm run render -- --stack <local|prod> --out <dir>");
  });
});
