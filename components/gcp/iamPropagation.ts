import * as pulumi from "@pulumi/pulumi";
import { ChildOptions } from "./cloudRunArgs";

/**
 * How long a new grant is given to take effect before anything relies on it. IAM says policy
 * changes "typically propagate in 2 minutes, but could potentially take 7 minutes or longer"
 * (cloud.google.com/iam/docs/access-change-propagation). Two minutes covers the usual case on
 * the first deploy; a rarer slow one fails that deploy with Tempo's 403, and a second
 * `pulumi up` (no new grant, so no wait) succeeds.
 */
export const IAM_PROPAGATION_SECONDS = 120;

interface WaitInputs {
  /** Seconds to wait when the grants are new. */
  readonly seconds: number;
  /** The grants waited for, by id: new or changed grants wait again. */
  readonly grants: readonly string[];
}

/**
 * Waits on create only: a deploy that adds no grant does not wait. Runs inside the Pulumi
 * engine's Node.js dynamic provider, so it needs no provider plugin and no network. It cannot
 * poll for the grant instead: a grant is visible in the policy long before every IAM check
 * honours it, and nothing but the service account itself can test its own access.
 */
const waitProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: WaitInputs) {
    await new Promise((resolve) => setTimeout(resolve, inputs.seconds * 1000));
    return { id: `waited-${inputs.seconds}s-for-${inputs.grants.length}-grants`, outs: inputs };
  },
  async diff(_id: string, olds: WaitInputs, news: WaitInputs) {
    const changed = JSON.stringify([...olds.grants].sort()) !== JSON.stringify([...news.grants].sort());
    return { changes: changed || olds.seconds !== news.seconds, replaces: changed ? ["grants"] : [] };
  },
  async update(_id: string, _olds: WaitInputs, news: WaitInputs) {
    return { outs: news };
  },
};

/** A pause between IAM grants and the first thing that uses them. */
export class IamPropagationWait extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    args: { seconds: number; grants: pulumi.Input<string>[] },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(waitProvider, name, args, opts);
  }
}

/**
 * Waits for `grants` (and whatever the child options already wait for) before a Cloud Run
 * revision needs them. Tempo reads its bucket's metadata at start and exits on a 403, and Cloud
 * Run's startup probes only time a process that keeps running: a container that exits fails the
 * revision, and with it the deploy. So the first revision is created only after the grants had
 * time to take effect.
 */
export function waitForGrants(
  name: string,
  grants: readonly pulumi.CustomResource[],
  child: ChildOptions,
): IamPropagationWait {
  return new IamPropagationWait(
    `${name}-iam-propagation`,
    { seconds: IAM_PROPAGATION_SECONDS, grants: grants.map((grant) => grant.id) },
    { parent: child.parent, dependsOn: [...child.dependsOn, ...grants] },
  );
}
