import * as pulumi from "@pulumi/pulumi";
import { IngressSetting } from "../../config/stack/stackConfig";

/** What every Cloud Run form of a component takes. */
export interface CloudRunServiceArgs {
  readonly platform: "gcp";
  /** The Cloud Run region. */
  readonly region: string;
  /** Who may connect. @default "internal-and-cloud-load-balancing" */
  readonly ingress?: IngressSetting;
  readonly labels?: Readonly<Record<string, string>>;
  /** Created only after these (the APIs, and whatever the service needs at start-up). */
  readonly waitFor?: pulumi.Input<pulumi.Resource>[];
}

/** Options every child of a GCP component gets: its parent, and what must exist first (APIs). */
export interface ChildOptions {
  readonly parent: pulumi.Resource;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}
