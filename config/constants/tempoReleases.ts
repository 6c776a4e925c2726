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

export const TEMPO_RELEASES: readonly TempoRelease[] = [
  { version: "3.0.3", line: "3.0", image: "grafana/tempo:3.0.3", hasHealthFlag: true },
  { version: "2.10.8", line: "2.10", image: "grafana/tempo:2.10.8", hasHealthFlag: false },
];

/** The newest 3.0.x: the default for every stack. */
export const DEFAULT_TEMPO_VERSION = "3.0.3";

export function findTempoRelease(version: string): TempoRelease | undefined {
  return TEMPO_RELEASES.find((release) => release.version === version);
}
