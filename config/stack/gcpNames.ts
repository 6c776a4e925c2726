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
