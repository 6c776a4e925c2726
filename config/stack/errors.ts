/** One thing wrong with one config key. */
export interface ConfigProblem {
  /** The full key, as written in Pulumi.<stack>.yaml, e.g. `tracing:grafanaPort`. */
  readonly key: string;
  /** The value that was given, or undefined when the key is missing. */
  readonly value: string | undefined;
  /** What a valid value looks like. */
  readonly expected: string;
}

export function describeProblem(problem: ConfigProblem): string {
  const given = problem.value === undefined ? "is not set" : `= ${JSON.stringify(problem.value)}`;
  return `${problem.key} ${given}: expected ${problem.expected}`;
}

/**
 * Thrown before any resource is registered when the stack configuration is unusable.
 * It lists every problem at once so a reader fixes the file in one pass.
 */
export class ConfigError extends Error {
  public readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map((problem) => `  - ${describeProblem(problem)}`);
    super(`Invalid stack configuration (nothing was deployed):\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}
