import * as pulumi from "@pulumi/pulumi";
import { ConfigSource } from "./source";

/** Config values of the running stack, as `pulumi up` hands them to the program. */
export function pulumiConfigSource(): ConfigSource {
  return {
    get: (fullKey) => {
      const separator = fullKey.indexOf(":");
      return new pulumi.Config(fullKey.slice(0, separator)).get(fullKey.slice(separator + 1));
    },
    keys: () => Object.keys(pulumi.runtime.allConfig()),
  };
}
