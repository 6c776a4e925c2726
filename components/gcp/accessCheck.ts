import * as gcp from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { IMAGES } from "../../config/constants/images";
import { ACCESS_CHECK, accessCheckEnvironment, renderAccessCheckScript } from "../../config/files/accessCheck";
import { ChildOptions } from "./cloudRunArgs";

export interface AccessCheckArgs {
  readonly region: string;
  /** The account whose grants are checked; the job runs as it. */
  readonly serviceAccountEmail: pulumi.Input<string>;
  /** URLs that answer 200 only once the grants are in effect (config/files/accessCheck.ts ACCESS_URLS). */
  readonly urls: pulumi.Input<string>[];
  /** The grants, and whatever the URLs need to exist (secret versions): the job starts after them. */
  readonly after: pulumi.Resource[];
  readonly labels?: Readonly<Record<string, string>>;
}

/** How long the engine waits for the job: the script's own limit, and room to start it. */
export const ACCESS_CHECK_WAIT = `${Math.ceil(ACCESS_CHECK.timeoutSeconds / 60) + 10}m`;

/**
 * A Cloud Run job that runs the access check (config/files/accessCheck.ts) as the service's own
 * account, and one execution of it that `pulumi up` waits for (`runExecutionToken`: the job is
 * ready only once that execution succeeded). The token is a digest of the account and the URLs,
 * so a deploy that changes neither runs nothing and waits for nothing; a new account, bucket or
 * secret runs the check again. It mounts nothing: a mounted secret would need the very grant
 * being checked before the job could start.
 */
export function createAccessCheck(name: string, args: AccessCheckArgs, child: ChildOptions): gcp.cloudrunv2.Job {
  const jobName = `${name}-access-check`;
  const checked = pulumi.all([args.serviceAccountEmail, pulumi.all(args.urls)]);
  const token = checked.apply(([email, urls]) =>
    createHash("sha256")
      .update([email, ...urls].join("\n"))
      .digest("hex")
      .slice(0, 12),
  );
  const environment = checked.apply(([, urls]) =>
    Object.entries(accessCheckEnvironment(urls)).map(([envName, value]) => ({ name: envName, value })),
  );
  return new gcp.cloudrunv2.Job(
    jobName,
    {
      name: jobName,
      location: args.region,
      deletionProtection: false,
      labels: { ...(args.labels ?? {}) },
      runExecutionToken: token,
      template: {
        taskCount: 1,
        template: {
          serviceAccount: args.serviceAccountEmail,
          maxRetries: 0,
          timeout: `${ACCESS_CHECK.timeoutSeconds + 60}s`,
          containers: [
            {
              name: "access-check",
              image: IMAGES.accessCheck,
              commands: ["sh", "-c", renderAccessCheckScript()],
              envs: environment,
              resources: { limits: { cpu: "1", memory: "512Mi" } },
            },
          ],
        },
      },
    },
    {
      parent: child.parent,
      dependsOn: [...child.dependsOn, ...args.after],
      // A fixed name: a replacement deletes the old job first.
      deleteBeforeReplace: true,
      customTimeouts: { create: ACCESS_CHECK_WAIT, update: ACCESS_CHECK_WAIT },
    },
  );
}
