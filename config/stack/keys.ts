/**
 * Every key of the `tracing:` namespace the program reads, by the platform it applies to.
 * A key a stack sets that is not listed here is refused (a typo would otherwise be ignored
 * silently); the reader refuses to read a key that is not listed, so this list cannot fall
 * behind the code. docs/configuration.md's tables document each one (a test checks).
 */
export const CONFIG_KEYS = {
  /** Read on every platform. */
  shared: [
    "platform",
    "tempoVersion",
    "retentionDays",
    "metricsRemoteWriteUrl",
    "usageReporting",
    "serviceName",
    "deploymentEnvironment",
    "grafanaAnonymousRole",
  ],
  /** The local stack (`tracing:platform: docker`). */
  docker: ["mode", "bindAddress", "grafanaPort", "tempoPort", "otlpGrpcPort", "otlpHttpPort"],
  /** The prod stack (`tracing:platform: gcp`). */
  gcp: [
    "bucketName",
    "bucketLocation",
    "bucketPrefix",
    "tempoCpu",
    "tempoMemory",
    "tempoBlockUpload",
    "tempoIngress",
    "grafanaIngress",
    "vpcNetwork",
    "vpcSubnetwork",
    "vpcSubnetRange",
    "grafanaIapMembers",
    "grafanaOauthClientId",
    "grafanaOauthClientSecret",
    "grafanaDefaultRole",
    "grafanaAdmins",
    "agentServiceAccounts",
    "loadBalancer",
  ],
} as const;

export type KeyScope = keyof typeof CONFIG_KEYS;

/** Every known key, without its namespace. */
export const ALL_CONFIG_KEYS: readonly string[] = Object.values(CONFIG_KEYS).flat();

/** The scope a key belongs to, or undefined when the program does not know it. */
export function scopeOf(key: string): KeyScope | undefined {
  return (Object.keys(CONFIG_KEYS) as KeyScope[]).find((scope) =>
    (CONFIG_KEYS[scope] as readonly string[]).includes(key),
  );
}

/** Edit distance, case-insensitive: `retentonDays` is one step from `retentionDays`. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const substitution = previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[t.length];
}

/** The known key closest to `key`. */
export function nearestKey(key: string, candidates: readonly string[] = ALL_CONFIG_KEYS): string {
  let best = candidates[0];
  for (const candidate of candidates) {
    if (editDistance(key, candidate) < editDistance(key, best)) {
      best = candidate;
    }
  }
  return best;
}
