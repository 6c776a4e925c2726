import { expect } from "chai";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { requireTool } from "./tools";

const ROOT = path.resolve(__dirname, "..");

/**
 * Stand-ins for the two CLIs the wrappers call, on PATH ahead of any real one. Each logs its
 * arguments (and, for pulumi, whether a passphrase reached it); the docker one answers only for
 * the daemon address it is told is up, as a real `docker -H <host> version` would.
 */
const FAKE_PULUMI = `#!/usr/bin/env bash
echo "pulumi $* passphrase=\${PULUMI_CONFIG_PASSPHRASE-<unset>} file=\${PULUMI_CONFIG_PASSPHRASE_FILE-<unset>} backend=\${PULUMI_BACKEND_URL}" >> "$FAKE_LOG"
case "$*" in
  "config get docker:host -s local") [ -n "\${FAKE_DOCKER_HOST_CONFIG:-}" ] && echo "$FAKE_DOCKER_HOST_CONFIG" && exit 0; exit 1 ;;
  "stack output localMode -s local") [ -n "\${FAKE_RUNNING_MODE:-}" ] && echo "$FAKE_RUNNING_MODE" && exit 0; exit 1 ;;
  "config get tracing:mode -s local") [ -n "\${FAKE_WANTED_MODE:-}" ] && echo "$FAKE_WANTED_MODE" && exit 0; exit 1 ;;
esac
exit 0
`;
const FAKE_DOCKER = `#!/usr/bin/env bash
echo "docker $*" >> "$FAKE_LOG"
if [ "$1" = "-H" ]; then [ "$2" = "\${FAKE_DAEMON:-}" ] && exit 0; exit 1; fi
if [ "$1 $2" = "context inspect" ]; then echo "\${FAKE_CONTEXT_HOST:-}"; exit 0; fi
exit 0
`;

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly stdout: string;
  /** Every call the stand-ins saw, in order. */
  readonly calls: string[];
}

describe("the local wrappers (scripts/*.sh) run by bash against stand-in CLIs", () => {
  let bin: string;
  let home: string;

  before(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "tracing-bin-"));
    home = fs.mkdtempSync(path.join(os.tmpdir(), "tracing-home-"));
    fs.writeFileSync(path.join(bin, "pulumi"), FAKE_PULUMI, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "docker"), FAKE_DOCKER, { mode: 0o755 });
  });

  after(() => {
    fs.rmSync(bin, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  });

  function run(script: string, env: Record<string, string>, ...args: string[]): Run {
    const log = path.join(home, `log-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(log, "");
    const base: Record<string, string> = { PATH: `${bin}:/usr/bin:/bin`, HOME: home, FAKE_LOG: log };
    const result = spawnSync("bash", [path.join(ROOT, "scripts", script), ...args], {
      env: { ...base, ...env },
      encoding: "utf8",
    });
    const calls = fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  }

  describe("pulumi-local.sh", () => {
    it("keeps the state in ~/.pulumi-local and uses an empty passphrase when the user set none", () => {
      const { calls } = run("pulumi-local.sh", {}, "stack", "ls");
      expect(calls).to.deep.equal([`pulumi stack ls passphrase= file=<unset> backend=file://${home}/.pulumi-local`]);
    });

    it("leaves a PULUMI_CONFIG_PASSPHRASE_FILE alone: no passphrase that would override it", () => {
      const { calls } = run("pulumi-local.sh", { PULUMI_CONFIG_PASSPHRASE_FILE: "/keys/local" }, "up");
      expect(calls[0]).to.contain("passphrase=<unset> file=/keys/local");
    });

    it("passes the user's own passphrase and backend through", () => {
      const { calls } = run(
        "pulumi-local.sh",
        { PULUMI_CONFIG_PASSPHRASE: "s3cret", PULUMI_BACKEND_URL: "file:///x" },
        "up",
      );
      expect(calls[0]).to.contain("passphrase=s3cret").and.to.contain("backend=file:///x");
    });
  });

  describe("up-local.sh", () => {
    it("runs pulumi up when the daemon answers where the provider looks (DOCKER_HOST)", () => {
      const result = run("up-local.sh", {
        DOCKER_HOST: "unix:///run/user/docker.sock",
        FAKE_DAEMON: "unix:///run/user/docker.sock",
      });
      expect(result.status, result.stderr).to.equal(0);
      expect(result.calls.filter((call) => call.startsWith("pulumi up"))).to.have.length(1);
    });

    it("finds Docker Desktop's per-user socket, as the provider does", () => {
      const result = run("up-local.sh", { FAKE_DAEMON: `unix://${home}/.docker/run/docker.sock` }, "--diff");
      expect(result.status, result.stderr).to.equal(0);
      expect(result.calls.some((call) => call.startsWith("pulumi up --stack local --yes --diff"))).to.equal(true);
    });

    it("stops before pulumi up when only the CLI's context reaches a daemon, saying what to set", () => {
      // GIVEN Colima: the CLI's context points at a socket the provider never looks at
      const colima = `unix://${home}/.colima/default/docker.sock`;
      const result = run("up-local.sh", { FAKE_DAEMON: colima, FAKE_CONTEXT_HOST: colima });
      // THEN it fails with the exact variable to export, and never runs up
      expect(result.status).to.equal(1);
      expect(result.stderr).to.contain(`export DOCKER_HOST=${colima}`);
      expect(result.stderr).to.contain(`config set docker:host ${colima} -s local`);
      expect(result.calls.some((call) => call.startsWith("pulumi up"))).to.equal(false);
    });

    it("tries only docker:host when the stack sets it", () => {
      const result = run("up-local.sh", {
        FAKE_DOCKER_HOST_CONFIG: "tcp://docker.invalid:2375",
        FAKE_DAEMON: "unix:///var/run/docker.sock",
      });
      expect(result.status).to.equal(1);
      expect(result.stderr).to.contain("no Docker engine answers at docker:host=tcp://docker.invalid:2375");
    });

    it("removes the running mode's containers before bringing up the other mode", () => {
      const result = run("up-local.sh", {
        FAKE_DAEMON: "unix:///var/run/docker.sock",
        FAKE_RUNNING_MODE: "split",
        FAKE_WANTED_MODE: "lgtm",
      });
      expect(result.status, result.stderr).to.equal(0);
      const order = result.calls.filter((call) => /^pulumi (destroy|up) /.test(call)).map((call) => call.split(" ")[1]);
      expect(order).to.deep.equal(["destroy", "up"]);
      expect(result.stdout).to.contain("tracing:mode changes from split to lgtm");
    });

    it("does not destroy anything when the mode is unchanged", () => {
      const result = run("up-local.sh", { FAKE_DAEMON: "unix:///var/run/docker.sock", FAKE_RUNNING_MODE: "split" });
      expect(result.calls.some((call) => call.startsWith("pulumi destroy"))).to.equal(false);
    });
  });

  it("passes shellcheck", function () {
    requireTool(this, "shellcheck");
    const scripts = fs.readdirSync(path.join(ROOT, "scripts")).filter((name) => name.endsWith(".sh"));
    return new Promise<void>((resolve, reject) => {
      execFile(
        "shellcheck",
        scripts.map((name) => path.join(ROOT, "scripts", name)),
        (error, stdout) => (error ? reject(new Error(stdout)) : resolve()),
      );
    });
  });
});
