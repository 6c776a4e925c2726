/**
 * The deployer service account's project-wide roles: the one list. The bootstrap program grants
 * exactly these (bootstrap/program.ts), docs/delivery.md's "What the deployer may do" table lists
 * exactly these with the same reasons (tests/bootstrap.test.ts compares them), and a change to
 * the prod stack that needs another permission adds its role here, with why.
 *
 * Several of these roles reach every resource of their kind in the project: use a project that
 * holds only this stack. Grants on single resources (the state bucket, the KMS key) are not
 * listed here; bootstrap/program.ts makes them.
 */

/** One project-wide role of the deployer, and what in the prod stack needs it. */
export interface DeployerRole {
  /** A predefined role, e.g. `roles/run.admin`. */
  readonly role: `roles/${string}`;
  /** What in the prod stack needs it; docs/delivery.md's table shows this text as it is. */
  readonly why: string;
}

export const DEPLOYER_ROLES: readonly DeployerRole[] = [
  {
    role: "roles/run.admin",
    why: "the Cloud Run services `tempo` and `grafana`, and who may invoke them",
  },
  {
    role: "roles/secretmanager.admin",
    why: "the secrets, their versions, and the bindings that let the runtime accounts read them",
  },
  {
    role: "roles/iam.serviceAccountAdmin",
    why: "creates the runtime service accounts `tempo-traces` and `grafana-ui`",
  },
  {
    role: "roles/iam.serviceAccountUser",
    why: "lets Cloud Run run as those accounts; it applies to every account in the project, one more reason the project should hold nothing else",
  },
  {
    role: "roles/iam.roleAdmin",
    why: "the custom role that holds exactly Tempo's five bucket permissions",
  },
  {
    role: "roles/storage.admin",
    why: "the trace bucket and its bucket-level IAM",
  },
  {
    role: "roles/serviceusage.serviceUsageAdmin",
    why: "the program enables the APIs it uses, so a new project deploys the first time",
  },
  {
    role: "roles/browser",
    why: "reads the project's number and ancestry before anything deploys (`resourcemanager.projects.get`): whether it has an organization decides what IAP needs, and IAP's signed header names Grafana by the number",
  },
  {
    role: "roles/compute.networkAdmin",
    why: "only with an internal `tracing:tempoIngress`: the network `tracing` and subnetwork of Grafana's Direct VPC egress (Private Google Access on), or reading the subnetwork `tracing:vpcSubnetwork` names, to check it before anything deploys",
  },
  {
    role: "roles/iap.admin",
    why: "IAP on Grafana: who may pass it (`roles/iap.httpsResourceAccessor` on the `grafana` service, for `tracing:grafanaIapMembers`), as the IAP for Cloud Run page requires",
  },
  {
    role: "roles/iap.settingsAdmin",
    why: "only with `tracing:grafanaOauthClientId`: sets the custom OAuth client on the project's IAP settings, for a project without an organization or principals outside it, as the IAP for Cloud Run page requires",
  },
  {
    role: "roles/compute.loadBalancerAdmin",
    why: "the NEGs, backend services, URL map, certificate, proxy, address and forwarding rules; needed only with `tracing:loadBalancer`",
  },
  {
    role: "roles/compute.securityAdmin",
    why: "the Cloud Armor policy; needed only with `allowedSourceRanges`",
  },
];
