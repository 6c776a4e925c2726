import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { LGTM_BUNDLED } from "../../config/constants/images";
import { TEMPO_RELEASES, TempoRelease } from "../../config/constants/tempoReleases";
import { sourceFromMap } from "../../config/stack/source";
import { loadStackConfig } from "../../config/stack/stackConfig";
import { renderStackFiles } from "../../config/stack/stackFiles";

/**
 * `npm run check:tempo-configs`: every tempo.yaml this project can write, handed to the Tempo
 * release it is written for, in that release's pinned image: `tempo -config.verify=true` parses
 * the file strictly (an unknown or misplaced key fails it) and checks what Tempo checks at start,
 * without starting anything. Needs Docker; the workflow .github/workflows/tempo-config.yml runs
 * it on GitHub's runners. No network: the container gets none.
 */

/** One tempo.yaml: the stack file it comes from and what is set over it. */
export interface TempoConfigVariant {
  readonly name: string;
  readonly release: TempoRelease;
  readonly content: string;
}

/** What running one container gave back. */
export interface RunResult {
  readonly status: number;
  readonly output: string;
}

export interface CheckIo {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
  /** Runs `docker` with these arguments. */
  readonly docker: (args: readonly string[]) => RunResult;
  /** The project root, where the Pulumi.<stack>.yaml files are. */
  readonly root: string;
}

/** Where the file is mounted inside the container. */
export const MOUNT = "/etc/tempo-check";

/** Every stack file, with every Tempo release it accepts, and lgtm mode with the Tempo its image bundles. */
export function tempoConfigVariants(root: string): TempoConfigVariant[] {
  const stackFile = (stack: string) =>
    (parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> })
      .config ?? {};
  const tempoYaml = (values: Record<string, unknown>): string => {
    const file = renderStackFiles(loadStackConfig(sourceFromMap(values))).find((f) => f.path === "tempo.yaml");
    if (!file) {
      throw new Error("the stack renders no tempo.yaml");
    }
    return file.content;
  };
  const variants: TempoConfigVariant[] = [];
  for (const stack of ["local", "prod"]) {
    for (const release of TEMPO_RELEASES) {
      const mode = stack === "local" ? { "tracing:mode": "split" } : {};
      const values = { ...stackFile(stack), ...mode, "tracing:tempoVersion": release.version };
      variants.push({ name: `${stack}, Tempo ${release.version}`, release, content: tempoYaml(values) });
    }
  }
  const bundled = TEMPO_RELEASES.find((release) => release.version === LGTM_BUNDLED.tempo);
  if (bundled) {
    variants.push({
      name: `local lgtm, Tempo ${bundled.version}`,
      release: bundled,
      content: tempoYaml({ ...stackFile("local"), "tracing:mode": "lgtm", "tracing:tempoVersion": bundled.version }),
    });
  }
  return variants;
}

/** 0 when every release accepts its files, 1 when one refuses or cannot be run. */
export function main(io: CheckIo): number {
  let failed = 0;
  for (const variant of tempoConfigVariants(io.root)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tempo-config-"));
    try {
      fs.writeFileSync(path.join(dir, "tempo.yaml"), variant.content);
      // Tempo runs as a non-root user in its image: the file must be readable by anyone.
      fs.chmodSync(dir, 0o755);
      fs.chmodSync(path.join(dir, "tempo.yaml"), 0o644);
      const result = io.docker([
        "run",
        "--rm",
        "--network",
        "none",
        "--volume",
        `${dir}:${MOUNT}:ro`,
        variant.release.image,
        `-config.file=${MOUNT}/tempo.yaml`,
        "-config.verify=true",
      ]);
      if (result.status === 0) {
        io.log(`ok       ${variant.name} (${variant.release.image})`);
      } else {
        failed += 1;
        io.error(`refused  ${variant.name} (${variant.release.image}), exit ${result.status}:`);
        io.error(result.output.trim());
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return failed === 0 ? 0 : 1;
}
