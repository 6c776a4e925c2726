import * as pulumi from "@pulumi/pulumi";
import { ConfigSource } from "./source";

/**
 * The full keys whose values the stack holds encrypted: the language host hands them to the
 * program as a JSON list in this variable (pulumi sdk/nodejs/cmd/pulumi-language-nodejs, and
 * the SDK's runtime/config.ts `configSecretKeysEnvKey`).
 */
export const SECRET_KEYS_VARIABLE = "PULUMI_CONFIG_SECRET_KEYS";

function secretKeys(): Set<string> {
  try {
    const parsed: unknown = JSON.parse(process.env[SECRET_KEYS_VARIABLE] ?? "[]");
    return new Set(Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === "string") : []);
  } catch {
    return new Set();
  }
}

/** Config values of the running stack, as `pulumi up` hands them to the program. */
export function pulumiConfigSource(): ConfigSource {
  return {
    isSecret: (fullKey) => secretKeys().has(fullKey),
    get: (fullKey) => {
      const separator = fullKey.indexOf(":");
      return new pulumi.Config(fullKey.slice(0, separator)).get(fullKey.slice(separator + 1));
    },
    keys: () => Object.keys(pulumi.runtime.allConfig()),
  };
}
