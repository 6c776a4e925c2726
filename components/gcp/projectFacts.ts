import * as gcp from "./sdk";
import { ConfigError, ConfigProblem } from "../../config/stack/errors";

/** What the prod stack reads about its project before it registers anything. */
export interface ProjectFacts {
  /** The project's number: IAP's signed header names the service by it. */
  readonly projectNumber: string;
  /** The project's organization, or undefined when it has none. */
  readonly organization:
    | {
        readonly id: string;
        /** The organization's primary domain, or undefined when this identity may not read it. */
        readonly domain: string | undefined;
      }
    | undefined;
}

/**
 * Reads the project's number and ancestry (Resource Manager `projects.get` and
 * `projects.getAncestry`, both needing `resourcemanager.projects.get`: roles/browser, which the
 * bootstrap grants the deployer and the previewer), and, in an organization, its domain
 * (`organizations.get`, an organization-level permission this identity may lack: then undefined).
 * Runs in `pulumi preview` as well, so a project IAP cannot serve is named before any change.
 */
export async function readProjectFacts(project: string): Promise<ProjectFacts> {
  let projectNumber: string;
  let orgId: string;
  try {
    const [details, ancestry] = await Promise.all([
      gcp.organizations.getProject({ projectId: project }),
      gcp.projects.getAncestry({ project }),
    ]);
    projectNumber = details.number;
    orgId = ancestry.orgId;
  } catch (error) {
    throw new ConfigError([
      {
        key: "gcp:project",
        value: project,
        expected:
          "a project this identity may read (resourcemanager.projects.get, in roles/browser, which `npm run bootstrap` " +
          `grants the deployer and the previewer): ${error instanceof Error ? error.message : String(error)}`,
      },
    ]);
  }
  if (orgId === "") {
    return { projectNumber, organization: undefined };
  }
  let domain: string | undefined;
  try {
    domain = (await gcp.organizations.getOrganization({ organization: `organizations/${orgId}` })).domain;
  } catch {
    domain = undefined;
  }
  return { projectNumber, organization: { id: orgId, domain: domain === "" ? undefined : domain } };
}

/** Google's consumer account domains: never inside an organization. */
export const CONSUMER_DOMAINS: readonly string[] = ["gmail.com", "googlemail.com"];

/** Where a principal stands relative to the project's organization. */
export type PrincipalStanding = "inside" | "outside" | "unknown";

/** The domain a `user:`, `group:` or `domain:` principal is of; undefined for other kinds. */
function principalDomain(member: string): string | undefined {
  const [kind, rest = ""] = member.split(/:(.*)/s);
  if (kind === "user" || kind === "group") {
    return rest.slice(rest.lastIndexOf("@") + 1).toLowerCase();
  }
  return kind === "domain" ? rest.toLowerCase() : undefined;
}

/**
 * Whether each principal is of the project's organization, as far as can be told: consumer
 * accounts never are; with the organization's domain known, its domain and subdomains are, and
 * any other domain is taken as outside (an organization's secondary domains are not listed
 * anywhere this identity can read, so they count as outside: a custom OAuth client serves them
 * too). Service accounts are the project's own; federated identities are not Google accounts.
 */
export function principalStanding(member: string, organizationDomain: string | undefined): PrincipalStanding {
  if (member.startsWith("serviceAccount:")) {
    return "inside";
  }
  const domain = principalDomain(member);
  if (domain === undefined) {
    return "unknown";
  }
  if (CONSUMER_DOMAINS.includes(domain)) {
    return "outside";
  }
  if (organizationDomain === undefined) {
    return "unknown";
  }
  const own = organizationDomain.toLowerCase();
  return domain === own || domain.endsWith(`.${own}`) ? "inside" : "outside";
}

/** The redirect URI IAP's custom OAuth client must allow (cloud.google.com/iap/docs/custom-oauth-configuration). */
export const IAP_REDIRECT_URI = "https://iap.googleapis.com/v1/oauth/clientIds/CLIENT_ID:handleRedirect";

/** The one-time console steps for IAP's custom OAuth client, and the keys that take the result. */
export function oauthClientSteps(project: string, stack: string): string {
  return (
    `once, in the console of ${project} (OAuth clients cannot be created by API since the IAP OAuth Admin API shut down on 2026-03-19): ` +
    `https://console.cloud.google.com/auth/overview?project=${project} → Get started, audience External; then Audience → Publish app ` +
    "(while Testing, only listed test users get in, and consent lasts 7 days); then Clients → Create client → Web application, " +
    `authorized redirect URI ${IAP_REDIRECT_URI} (with the new client's id for CLIENT_ID). Then ` +
    `\`pulumi config set tracing:grafanaOauthClientId <client id> -s ${stack}\` and ` +
    `\`pulumi config set --secret tracing:grafanaOauthClientSecret <client secret> -s ${stack}\``
  );
}

export interface PeopleAccessCheck {
  /** Stop before anything is registered. */
  readonly problems: readonly ConfigProblem[];
  /** Worth saying in the preview, not worth stopping for. */
  readonly warnings: readonly string[];
}

/**
 * Whether IAP can admit the configured principals with Google's own OAuth client, which
 * serves only the organization's users: a project without an organization, or a principal
 * outside it, needs a custom client, which only the console can make.
 */
export function checkPeopleAccess(
  settings: {
    readonly project: string;
    readonly stack: string;
    readonly iapMembers: readonly string[];
    readonly hasOauthClient: boolean;
  },
  facts: ProjectFacts,
): PeopleAccessCheck {
  if (settings.iapMembers.length === 0 || settings.hasOauthClient) {
    return { problems: [], warnings: [] };
  }
  const organization = facts.organization;
  if (organization === undefined) {
    return {
      problems: [
        {
          key: "tracing:grafanaOauthClientId",
          value: undefined,
          expected:
            `a custom OAuth client for IAP: project ${settings.project} has no organization, and IAP's Google-managed ` +
            `client admits only an organization's users. Make it ${oauthClientSteps(settings.project, settings.stack)}`,
        },
      ],
      warnings: [],
    };
  }
  const standing = settings.iapMembers.map((member) => ({
    member,
    standing: principalStanding(member, organization.domain),
  }));
  const outside = standing.filter((s) => s.standing === "outside").map((s) => s.member);
  const unknown = standing.filter((s) => s.standing === "unknown").map((s) => s.member);
  const problems: ConfigProblem[] =
    outside.length === 0
      ? []
      : [
          {
            key: "tracing:grafanaOauthClientId",
            value: undefined,
            expected:
              `a custom OAuth client for IAP: ${outside.join(", ")} ${outside.length === 1 ? "is" : "are"} outside the organization of ` +
              `${settings.project}${organization.domain ? ` (${organization.domain})` : ""}, and IAP's Google-managed client admits only ` +
              `its users. Make it ${oauthClientSteps(settings.project, settings.stack)}`,
          },
        ];
  const warnings =
    unknown.length === 0
      ? []
      : [
          `IAP: cannot tell whether ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} in organization ${organization.id} ` +
            "(its domain is not readable here). IAP's Google-managed client admits only the organization's users: for anyone " +
            "outside it, set tracing:grafanaOauthClientId and tracing:grafanaOauthClientSecret (docs/first-deploy.md).",
        ];
  return { problems, warnings };
}

/** Throws the problems as one ConfigError. */
export function throwPeopleAccessProblems(check: PeopleAccessCheck): void {
  if (check.problems.length > 0) {
    throw new ConfigError(check.problems);
  }
}
