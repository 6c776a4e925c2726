/**
 * Google Cloud naming rules, checked before anything is sent to Google so that a bad name
 * fails in `pulumi preview` with a message instead of half-way through `pulumi up`.
 */

/** Why `name` is not a valid GCS bucket name (cloud.google.com/storage/docs/buckets#naming), or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  const dotted = name.includes(".");
  if (name.length < 3 || name.length > (dotted ? 222 : 63)) {
    return `3 to 63 characters (222 with dots), got ${name.length}`;
  }
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name)) {
    return "lowercase letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  }
  if (dotted && name.split(".").some((part) => part.length === 0 || part.length > 63)) {
    return "dot-separated parts of 1 to 63 characters";
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) {
    return "a name that is not an IP address";
  }
  if (name.startsWith("goog") || /g[o0]{2}gle/.test(name)) {
    return "a name that neither starts with 'goog' nor contains 'google'";
  }
  return undefined;
}

/** A GCP project id: 6-30 lowercase letters, digits and hyphens, starting with a letter. */
export const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** A GCP region such as us-central1 or europe-west4. */
export const REGION = /^[a-z]+(-[a-z]+)+\d+$/;

/** A DNS host name for a load-balancer route and its certificate. */
export function hostNameProblem(host: string): string | undefined {
  if (host.length === 0 || host.length > 253) {
    return "a host name of 1 to 253 characters";
  }
  const labels = host.split(".");
  if (labels.length < 2) {
    return "a fully qualified host name such as tempo.example.com";
  }
  const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
  if (!labels.every((part) => label.test(part))) {
    return "lowercase DNS labels of letters, digits and '-' (no wildcards, no trailing dot)";
  }
  return undefined;
}

/** An IPv4 or IPv6 CIDR range, as Cloud Armor takes it. */
export function isCidr(range: string): boolean {
  const [address, bits, ...rest] = range.split("/");
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) {
    return false;
  }
  const prefix = Number(bits);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    return prefix <= 32 && address.split(".").every((octet) => Number(octet) <= 255);
  }
  return /^[0-9a-f:]+$/i.test(address) && address.includes(":") && prefix <= 128;
}

/** A service account email. */
export const SERVICE_ACCOUNT_EMAIL = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.-]+\.iam\.gserviceaccount\.com$/;

/** A Compute Engine resource name (RFC 1035), as networks and subnetworks take it. */
export function resourceNameProblem(name: string): string | undefined {
  return /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)
    ? undefined
    : "a Compute Engine name: 1 to 63 lowercase letters, digits and '-', starting with a letter";
}

function ipv4ToNumber(address: string): number {
  return address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

const PRIVATE_RANGES: readonly (readonly [string, number])[] = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
];

/**
 * Why `range` cannot be the subnetwork the stack manages for Direct VPC egress, or undefined:
 * an RFC 1918 IPv4 range, written at its network address, of /26 or larger (Cloud Run reserves
 * addresses 16 at a time and needs /26 at least: cloud.google.com/run/docs/configuring/vpc-direct-vpc).
 */
export function subnetRangeProblem(range: string): string | undefined {
  const expected = "a private IPv4 range (RFC 1918) of /26 or larger, e.g. 10.8.0.0/24";
  const [address, bits] = range.split("/");
  if (!isCidr(range) || address.includes(":")) {
    return expected;
  }
  const prefix = Number(bits);
  if (prefix > 26) {
    return `${expected}: Cloud Run's Direct VPC egress needs /26 or larger`;
  }
  const start = ipv4ToNumber(address);
  const size = 2 ** (32 - prefix);
  if (start % size !== 0) {
    return `${expected}, written at its network address`;
  }
  const inside = PRIVATE_RANGES.some(([base, baseBits]) => {
    const baseStart = ipv4ToNumber(base);
    return prefix >= baseBits && start >= baseStart && start + size <= baseStart + 2 ** (32 - baseBits);
  });
  return inside ? undefined : expected;
}

const EMAIL = /^[^@\s:]+@[a-z0-9.-]+\.[a-z]{2,}$/i;
const DOMAIN = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/i;

/**
 * Why `member` cannot be given IAP access to Grafana, or undefined. Named principals of IAM
 * allow policies (cloud.google.com/iam/docs/principal-identifiers): users, groups, service
 * accounts, a domain, federated identities. Never `allUsers` or `allAuthenticatedUsers` (that
 * would make Grafana public), and not the `projectOwner:`-style convenience values, which IAM
 * documents for Cloud Storage and not for IAP (cloud.google.com/iap/docs/managing-access grants
 * to users and groups).
 */
export function iapMemberProblem(member: string, project: string): string | undefined {
  if (member === "allUsers" || member === "allAuthenticatedUsers") {
    return "named principals only: allUsers or allAuthenticatedUsers would let anyone (with a Google account) through IAP";
  }
  const separator = member.indexOf(":");
  const kind = member.slice(0, separator);
  const rest = member.slice(separator + 1);
  switch (kind) {
    case "user":
    case "group":
    case "serviceAccount":
      return EMAIL.test(rest) ? undefined : `${kind}: followed by an email address, e.g. ${kind}:team@example.com`;
    case "domain":
      return DOMAIN.test(rest) ? undefined : "domain: followed by a domain name, e.g. domain:example.com";
    case "projectOwner":
    case "projectEditor":
    case "projectViewer":
      return `a named principal (group:, user:, ...): ${kind}: is a Cloud Storage convenience value, not documented for IAP; grant ${project}'s team by its group`;
    case "principal":
    case "principalSet":
      return rest.startsWith("//iam.googleapis.com/")
        ? undefined
        : `${kind}://iam.googleapis.com/... (a federated identity)`;
    default:
      return "a principal such as group:team@example.com, user:ana@example.com or domain:example.com";
  }
}
