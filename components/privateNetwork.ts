import * as gcp from "./gcp/sdk";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigProblem } from "../config/stack/errors";

/** A network and subnetwork for Cloud Run's Direct VPC egress. */
export interface PrivateNetworkArgs {
  /** The subnetwork's region: the Cloud Run services'. */
  readonly region: string;
  /** The subnetwork's IPv4 range; Cloud Run needs /26 or larger. */
  readonly range: string;
  /** Created only after these (the Compute Engine API). */
  readonly waitFor?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Where Grafana's (and, if it joins, the monolith's) Direct VPC egress leaves from. A request
 * from Cloud Run to a service whose ingress is internal counts as internal only when it goes
 * through a VPC subnetwork with Private Google Access on (cloud.google.com/run/docs/securing/ingress),
 * which is off by default, so the stack makes its own subnetwork with it on rather than depend on
 * the project's `default` network (absent where an organization policy skips it).
 *
 * Custom-mode network, one subnetwork; the default route to the internet gateway that every new
 * network gets is what Private Google Access uses. Fixed names, replaced delete-first. Cloud Run
 * releases a subnetwork's addresses only 1 to 2 hours after the last revision using it is gone
 * (cloud.google.com/run/docs/configuring/vpc-direct-vpc), so a replacement fails until then.
 */
export class PrivateNetwork extends pulumi.ComponentResource {
  public readonly networkName: pulumi.Output<string>;
  public readonly subnetworkName: pulumi.Output<string>;

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tracing:network:PrivateNetwork", name, {}, opts);
    const child = { parent: this, dependsOn: args.waitFor ?? [], deleteBeforeReplace: true };
    const network = new gcp.compute.Network(
      `${name}-network`,
      {
        name,
        description: "Direct VPC egress of the tracing services",
        autoCreateSubnetworks: false,
        routingMode: "REGIONAL",
      },
      child,
    );
    const subnetwork = new gcp.compute.Subnetwork(
      `${name}-subnetwork`,
      {
        name: `${name}-${args.region}`,
        description: "Direct VPC egress of the tracing services; Private Google Access makes run.app calls internal",
        network: network.id,
        region: args.region,
        ipCidrRange: args.range,
        privateIpGoogleAccess: true,
      },
      child,
    );
    this.networkName = network.name;
    this.subnetworkName = subnetwork.name;
    this.registerOutputs({ networkName: this.networkName, subnetworkName: this.subnetworkName });
  }
}

/** An existing network and subnetwork named in the stack's config. */
export interface GivenSubnetwork {
  readonly project: string;
  readonly region: string;
  readonly network: string;
  readonly subnetwork: string;
}

/** What the check needs of `gcp.compute.getSubnetwork`'s answer. */
export type SubnetworkFacts = Pick<
  gcp.compute.GetSubnetworkResult,
  "network" | "privateIpGoogleAccess" | "ipCidrRange"
>;

const SUBNETWORK_KEY = "tracing:vpcSubnetwork";

/**
 * Why the given subnetwork cannot carry Grafana's traffic to Tempo's internal ingress: not in
 * the given network, Private Google Access off, or smaller than the /26 Cloud Run needs.
 */
export function subnetworkProblems(facts: SubnetworkFacts, given: GivenSubnetwork): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const where = `${given.subnetwork} in ${given.region} of project ${given.project}`;
  const networkName = facts.network.split("/").pop();
  if (networkName !== given.network.split("/").pop()) {
    problems.push({
      key: "tracing:vpcNetwork",
      value: given.network,
      expected: `the network of subnetwork ${where}, which is ${String(networkName)}`,
    });
  }
  if (!facts.privateIpGoogleAccess) {
    problems.push({
      key: SUBNETWORK_KEY,
      value: given.subnetwork,
      expected:
        `a subnetwork with Private Google Access on, and ${where} has it off: without it Grafana's requests ` +
        "to Tempo's run.app URL do not count as internal and Tempo's ingress refuses them. Turn it on with " +
        `\`gcloud compute networks subnets update ${given.subnetwork} --region ${given.region} --project ` +
        `${given.project} --enable-private-ip-google-access\`, or unset tracing:vpcNetwork and ` +
        "tracing:vpcSubnetwork and the stack manages its own",
    });
  }
  const prefix = Number(facts.ipCidrRange.split("/")[1]);
  if (!(prefix <= 26)) {
    problems.push({
      key: SUBNETWORK_KEY,
      value: given.subnetwork,
      expected: `a subnetwork of /26 or larger for Direct VPC egress, and ${where} is ${facts.ipCidrRange}`,
    });
  }
  return problems;
}

/**
 * Looks the given subnetwork up and stops the program, before any resource is registered, if
 * Grafana could not reach Tempo through it. Runs in `pulumi preview` too, so whoever previews
 * needs `compute.subnetworks.get` on it.
 */
export async function verifySubnetwork(given: GivenSubnetwork): Promise<void> {
  let facts: SubnetworkFacts;
  try {
    facts = await gcp.compute.getSubnetwork({ name: given.subnetwork, region: given.region, project: given.project });
  } catch (error) {
    throw new ConfigError([
      {
        key: SUBNETWORK_KEY,
        value: given.subnetwork,
        expected:
          `an existing subnetwork in ${given.region} of project ${given.project} that the deployer may read ` +
          `(compute.subnetworks.get); looking it up failed: ${error instanceof Error ? error.message : String(error)}`,
      },
    ]);
  }
  const problems = subnetworkProblems(facts, given);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
}
