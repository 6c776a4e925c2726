/**
 * The Tempo releases this project renders configuration for. The image tag and the shape
 * of tempo.yaml both come from the chosen entry, so they cannot disagree: Tempo parses its
 * configuration strictly and 3.0 removed blocks (`ingester`, `compactor`) that 2.x needs.
 */
export type TempoLine = "3.0" | "2.10";

export interface TempoRelease {
  /** The exact release, e.g. "3.0.3". */
  readonly version: string;
  /** The configuration dialect of this release. */
  readonly line: TempoLine;
  /** The pinned container image. */
  readonly image: string;
  /**
   * Whether the binary can check its own `/ready` (`tempo -health`, new in 3.0). The image is
   * distroless, with no shell or wget, so without it Docker has no way to probe Tempo.
   */
  readonly hasHealthFlag: boolean;
}

/** Tempo's image repository; a release's tag is its version, so the two cannot disagree. */
export const TEMPO_IMAGE_REPOSITORY = "grafana/tempo";

function tempoRelease(release: Omit<TempoRelease, "image">): TempoRelease {
  return { ...release, image: `${TEMPO_IMAGE_REPOSITORY}:${release.version}` };
}

/*
 * Each `version` below is the one string a Tempo update moves: Renovate bumps it (renovate.json,
 * a regex manager), the image follows, and a bump to a new major.minor fails the tests until the
 * builder knows that dialect and `line` names it (tests/renovate.test.ts).
 */
const TEMPO_3_0 = tempoRelease({ version: "3.0.3", line: "3.0", hasHealthFlag: true });
const TEMPO_2_10 = tempoRelease({ version: "2.10.8", line: "2.10", hasHealthFlag: false });

export const TEMPO_RELEASES: readonly TempoRelease[] = [TEMPO_3_0, TEMPO_2_10];

/** The newest 3.0.x: the default for every stack. */
export const DEFAULT_TEMPO_VERSION = TEMPO_3_0.version;

export function findTempoRelease(version: string): TempoRelease | undefined {
  return TEMPO_RELEASES.find((release) => release.version === version);
}
