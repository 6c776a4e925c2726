import {
  PROJECT_ID,
  REGION,
  SERVICE_ACCOUNT_EMAIL,
  bucketNameProblem,
  hostNameProblem,
  iapMemberProblem,
  isCidr,
  resourceNameProblem,
  subnetRangeProblem,
} from "./gcpNames";
import { ConfigReader } from "./reader";
import { BLOCK_UPLOAD_INTERVALS, BlockUploadInterval } from "../files/tempoConfig";
import { TempoRelease } from "../constants/tempoReleases";
import {
  DEFAULTS,
  GRAFANA_PEOPLE_ROLES,
  GcpStackConfig,
  GrafanaPeopleRole,
  OauthClient,
  INGRESS_SETTINGS,
  IngressSetting,
  LoadBalancerConfig,
  ROUTED_SERVICES,
  Route,
  SharedConfig,
  VpcConfig,
} from "./stackTypes";

/**
 * Tempo's CPU: whole vCPUs, because CPU is always allocated and Cloud Run accepts fractions only
 * with request-based billing in the first generation (cloud.google.com/run/docs/configuring/services/cpu).
 * At most 6: an instance has at most 8 vCPU, and the ingress proxy beside Tempo takes 1.
 */
const CPU_VALUES = ["1", "2", "4", "6"] as const;
type TempoCpu = (typeof CPU_VALUES)[number];

/**
 * The memory Cloud Run accepts with each CPU setting (the same CPU page's table: 1 vCPU up to
 * 4 GiB, 2 up to 8, 4 from 2 to 16, 6 from 4 to 24), never under the second generation's
 * 512 MiB minimum (cloud.google.com/run/docs/configuring/services/memory-limits).
 */
export const TEMPO_MEMORY_MIB: Readonly<Record<TempoCpu, { readonly min: number; readonly max: number }>> = {
  "1": { min: 512, max: 4 * 1024 },
  "2": { min: 512, max: 8 * 1024 },
  "4": { min: 2 * 1024, max: 16 * 1024 },
  "6": { min: 4 * 1024, max: 24 * 1024 },
};

const MEMORY = /^(\d+)(Mi|Gi)$/;
const BUCKET_PREFIX = /^([A-Za-z0-9._-]+\/)+$/;

/** The `gcp` platform's keys (the prod stack), read after the shared ones. */
export function readGcp(reader: ConfigReader, shared: SharedConfig): GcpStackConfig {
  const project = reader.required(
    "gcp:project",
    "a GCP project id such as diagramik-prod (pulumi config set gcp:project ...)",
    PROJECT_ID,
  );
  const region = reader.required(
    "gcp:region",
    "a GCP region such as us-central1 (pulumi config set gcp:region ...)",
    REGION,
  );
  if (shared.grafanaAnonymousRole !== "none") {
    reader.fail(
      "grafanaAnonymousRole",
      shared.grafanaAnonymousRole,
      '"none" on gcp: anonymous access is for the loopback-only local stack',
    );
  }
  if (reader.raw("mode") !== undefined && reader.raw("mode") !== "split") {
    reader.fail(
      "mode",
      reader.raw("mode"),
      '"split" or unset on gcp: the all-in-one LGTM image is for the local stack',
    );
  }
  const bucketName = reader.required("bucketName", "a GCS bucket name such as diagramik-traces");
  const bucketProblem = bucketName === "" ? undefined : bucketNameProblem(bucketName);
  if (bucketProblem) {
    reader.fail("bucketName", bucketName, `a valid GCS bucket name: ${bucketProblem}`);
  }
  const cpu = readCpu(reader);
  const memory = readMemory(reader, cpu);
  const tempoIngress = reader.oneOf("tempoIngress", INGRESS_SETTINGS, DEFAULTS.tempoIngress);
  const vpc = readVpc(reader, tempoIngress);
  const loadBalancer = readLoadBalancer(reader);
  const grafanaIapMembers = readIapMembers(reader, project);
  const signIn = readGrafanaSignIn(reader, grafanaIapMembers.length > 0);
  const config: GcpStackConfig = {
    ...shared,
    platform: "gcp",
    project,
    region,
    bucket: {
      name: bucketName,
      location: reader.string(
        "bucketLocation",
        region.toUpperCase(),
        /^[A-Za-z0-9-]+$/,
        "a GCS location such as US-CENTRAL1 or EU",
      ),
      prefix: reader.string(
        "bucketPrefix",
        DEFAULTS.bucketPrefix,
        BUCKET_PREFIX,
        'an object prefix of path segments ending in "/", e.g. traces/',
      ),
    },
    tempoResources: { cpu, memory },
    tempoBlockUpload: readBlockUpload(reader, shared.tempo),
    tempoIngress,
    grafanaIngress: reader.oneOf(
      "grafanaIngress",
      INGRESS_SETTINGS,
      defaultGrafanaIngress(grafanaIapMembers, loadBalancer),
    ),
    vpc,
    grafanaIapMembers,
    ...signIn,
    agentServiceAccounts: readServiceAccounts(reader),
    loadBalancer,
  };
  rejectUnreachable(reader, config);
  rejectNoPathForPeople(reader, config);
  rejectMisplacedArmor(reader, config);
  return config;
}

/**
 * Tempo 3.0's block upload interval. Tempo 2.10's ingester uploads everything on shutdown
 * (`flush_all_on_shutdown`), so it has no such trade and the key is refused there.
 */
function readBlockUpload(reader: ConfigReader, tempo: TempoRelease): BlockUploadInterval {
  const value = reader.oneOf("tempoBlockUpload", BLOCK_UPLOAD_INTERVALS, DEFAULTS.tempoBlockUpload);
  if (tempo.line !== "3.0" && reader.raw("tempoBlockUpload") !== undefined) {
    reader.fail(
      "tempoBlockUpload",
      value,
      `unset with Tempo ${tempo.version}: its ingester uploads every block on shutdown, so there is nothing to choose`,
    );
  }
  return value;
}

function readCpu(reader: ConfigReader): TempoCpu {
  const value = reader.raw("tempoCpu");
  if (value === undefined) {
    return DEFAULTS.tempoCpu;
  }
  const match = CPU_VALUES.find((candidate) => candidate === value);
  if (match === undefined) {
    reader.fail(
      "tempoCpu",
      value,
      `one of ${CPU_VALUES.map((c) => JSON.stringify(c)).join(", ")}: whole vCPUs, since CPU is always allocated ` +
        "(Cloud Run takes fractions only with request-based billing), and at most 6 because the ingress proxy " +
        "takes 1 of an instance's 8",
    );
    return DEFAULTS.tempoCpu;
  }
  return match;
}

function mebibytes(size: string): number {
  const match = MEMORY.exec(size);
  return match ? Number(match[1]) * (match[2] === "Gi" ? 1024 : 1) : NaN;
}

function showSize(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

function readMemory(reader: ConfigReader, cpu: TempoCpu): string {
  const value = reader.raw("tempoMemory") ?? DEFAULTS.tempoMemory;
  const { min, max } = TEMPO_MEMORY_MIB[cpu];
  const size = mebibytes(value);
  if (!(size >= min && size <= max)) {
    reader.fail(
      "tempoMemory",
      value,
      `a size from ${showSize(min)} to ${showSize(max)} for ${cpu} vCPU, e.g. ${showSize(Math.max(min, 2048))} ` +
        "(what Cloud Run accepts with that CPU; whole Mi or Gi)",
    );
    return DEFAULTS.tempoMemory;
  }
  return value;
}

/**
 * Grafana needs Direct VPC egress only to reach an internal Tempo: with Tempo's ingress `all`
 * it calls Tempo's public URL with the token, and the VPC keys are refused rather than ignored.
 * With an internal Tempo the stack manages the network (Private Google Access on) unless an
 * existing network and subnetwork are named, which are checked before anything is registered
 * (components/privateNetwork.ts).
 */
function readVpc(reader: ConfigReader, tempoIngress: IngressSetting): VpcConfig {
  const network = reader.raw("vpcNetwork");
  const subnetwork = reader.raw("vpcSubnetwork");
  const range = reader.raw("vpcSubnetRange");
  if (tempoIngress === "all") {
    for (const [key, value] of [
      ["vpcNetwork", network],
      ["vpcSubnetwork", subnetwork],
      ["vpcSubnetRange", range],
    ] as const) {
      if (value !== undefined) {
        reader.fail(
          key,
          value,
          'unset while tracing:tempoIngress is "all": Grafana then reaches Tempo\'s public URL with the token and ' +
            'uses no VPC; set tracing:tempoIngress to "internal-and-cloud-load-balancing" or "internal" to route it through one',
        );
      }
    }
    return { kind: "none" };
  }
  const managed = (): VpcConfig => {
    const problem = subnetRangeProblem(range ?? DEFAULTS.vpcSubnetRange);
    if (problem) {
      reader.fail("vpcSubnetRange", range, problem);
    }
    return { kind: "managed", range: range ?? DEFAULTS.vpcSubnetRange };
  };
  if ((network === undefined) !== (subnetwork === undefined)) {
    const missing = network === undefined ? "vpcNetwork" : "vpcSubnetwork";
    reader.fail(
      missing,
      undefined,
      "set together with its pair (an existing network and subnetwork), or neither, and the stack manages its own",
    );
    return managed();
  }
  if (network === undefined || subnetwork === undefined) {
    return managed();
  }
  if (range !== undefined) {
    reader.fail(
      "vpcSubnetRange",
      range,
      "unset when tracing:vpcNetwork and tracing:vpcSubnetwork name an existing subnetwork: its range is its own",
    );
  }
  for (const [key, name] of [
    ["vpcNetwork", network],
    ["vpcSubnetwork", subnetwork],
  ] as const) {
    const problem = resourceNameProblem(name);
    if (problem) {
      reader.fail(key, name, problem);
    }
  }
  return { kind: "given", network, subnetwork };
}

const IAP_MEMBERS_EXPECTED =
  'a JSON list of principals IAP lets open Grafana, e.g. ["group:team@example.com", "user:ana@example.com"]';

function readIapMembers(reader: ConfigReader, project: string): string[] {
  const value = reader.json("grafanaIapMembers", IAP_MEMBERS_EXPECTED);
  if (value === undefined) {
    return [...DEFAULTS.grafanaIapMembers];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    reader.fail("grafanaIapMembers", JSON.stringify(value), IAP_MEMBERS_EXPECTED);
    return [];
  }
  const members = value as string[];
  for (const member of members) {
    const problem = iapMemberProblem(member, project);
    if (problem) {
      reader.fail("grafanaIapMembers", member, problem);
    }
  }
  if (new Set(members).size !== members.length) {
    reader.fail("grafanaIapMembers", JSON.stringify(members), "each principal once");
  }
  return members;
}

/** The shape of a Google OAuth 2.0 client id. */
const OAUTH_CLIENT_ID = /^\d+-[a-z0-9]+\.apps\.googleusercontent\.com$/;
/** An individual's email, as IAP's signed header carries it; no quotes, so it fits a JMESPath literal. */
const PERSON_EMAIL = /^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/;

const ADMINS_EXPECTED = 'a JSON list of people as IAP names them, e.g. ["user:ana@example.com"]';

/**
 * How people who passed IAP are signed in to Grafana, and IAP's OAuth client. All of it needs
 * IAP in front: without IAP there is no signed header to sign anyone in from.
 */
function readGrafanaSignIn(
  reader: ConfigReader,
  iap: boolean,
): {
  grafanaOauthClient: OauthClient | undefined;
  grafanaDefaultRole: GrafanaPeopleRole;
  grafanaAdmins: string[];
} {
  const clientId = reader.raw("grafanaOauthClientId");
  const clientSecret = reader.secret("grafanaOauthClientSecret", "the OAuth client's secret");
  const defaultRole = reader.oneOf("grafanaDefaultRole", GRAFANA_PEOPLE_ROLES, DEFAULTS.grafanaDefaultRole);
  const admins = readAdmins(reader);
  if (!iap) {
    for (const key of ["grafanaOauthClientId", "grafanaDefaultRole", "grafanaAdmins"] as const) {
      const value = reader.raw(key);
      if (value !== undefined) {
        reader.fail(key, value, "unset without tracing:grafanaIapMembers: it configures sign-in through IAP");
      }
    }
  }
  if (clientId !== undefined && !OAUTH_CLIENT_ID.test(clientId)) {
    reader.fail(
      "grafanaOauthClientId",
      clientId,
      "an OAuth client id as the console shows it, e.g. 123456789012-abc123.apps.googleusercontent.com",
    );
  }
  if ((clientId === undefined) !== (reader.raw("grafanaOauthClientSecret") === undefined)) {
    reader.fail(
      clientId === undefined ? "grafanaOauthClientId" : "grafanaOauthClientSecret",
      undefined,
      "set together with its pair (the custom OAuth client's id and secret), or neither",
    );
  }
  return {
    grafanaOauthClient: clientId !== undefined && clientSecret !== undefined ? { clientId, clientSecret } : undefined,
    grafanaDefaultRole: defaultRole,
    grafanaAdmins: admins,
  };
}

function readAdmins(reader: ConfigReader): string[] {
  const value = reader.json("grafanaAdmins", ADMINS_EXPECTED);
  if (value === undefined) {
    return [...DEFAULTS.grafanaAdmins];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    reader.fail("grafanaAdmins", JSON.stringify(value), ADMINS_EXPECTED);
    return [];
  }
  const emails: string[] = [];
  for (const member of value as string[]) {
    const email = member.startsWith("user:") ? member.slice("user:".length).toLowerCase() : "";
    if (!PERSON_EMAIL.test(email)) {
      reader.fail(
        "grafanaAdmins",
        member,
        "user: followed by a person's email, e.g. user:ana@example.com (IAP's signed header names a person, never a group)",
      );
      continue;
    }
    emails.push(email);
  }
  return [...new Set(emails)];
}

/** With IAP and no load-balancer route to Grafana, people open its run.app URL: ingress all. */
function defaultGrafanaIngress(iapMembers: readonly string[], loadBalancer: LoadBalancerConfig | undefined) {
  const routed = loadBalancer?.routes.some((route) => route.service === "grafana") ?? false;
  return iapMembers.length > 0 && !routed ? DEFAULTS.grafanaIngressBehindIap : DEFAULTS.ingress;
}

function readServiceAccounts(reader: ConfigReader): string[] {
  const value = reader.json(
    "agentServiceAccounts",
    'a JSON list of service account emails, e.g. ["monolith@p.iam.gserviceaccount.com"]',
  );
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && SERVICE_ACCOUNT_EMAIL.test(item))) {
    reader.fail(
      "agentServiceAccounts",
      JSON.stringify(value),
      "a list of service account emails (name@project.iam.gserviceaccount.com)",
    );
    return [];
  }
  return value as string[];
}

/** Cloud Armor takes at most 10 ranges in one rule. */
const MAX_SOURCE_RANGES = 10;

const ROUTES_EXPECTED =
  'an object {"routes": [{"host": "grafana.example.com", "service": "grafana"}], "allowedSourceRanges": ["203.0.113.0/24"]}';

function readLoadBalancer(reader: ConfigReader): LoadBalancerConfig | undefined {
  const value = reader.json("loadBalancer", ROUTES_EXPECTED);
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    reader.fail("loadBalancer", JSON.stringify(value), ROUTES_EXPECTED);
    return undefined;
  }
  const { routes, allowedSourceRanges } = value as { routes?: unknown; allowedSourceRanges?: unknown };
  if (!Array.isArray(routes) || routes.length === 0) {
    reader.fail("loadBalancer", JSON.stringify(value), `at least one route: ${ROUTES_EXPECTED}`);
    return undefined;
  }
  const parsed: Route[] = [];
  const hosts = new Set<string>();
  for (const route of routes as unknown[]) {
    const { host, service } = (typeof route === "object" && route !== null ? route : {}) as {
      host?: unknown;
      service?: unknown;
    };
    const shown = JSON.stringify(route);
    const hostProblem = typeof host === "string" ? hostNameProblem(host) : "a host name";
    if (hostProblem) {
      reader.fail("loadBalancer", shown, `a route host that is ${hostProblem}`);
      continue;
    }
    const known = ROUTED_SERVICES.find((candidate) => candidate === service);
    if (known === undefined) {
      reader.fail(
        "loadBalancer",
        shown,
        `a route service of ${ROUTED_SERVICES.map((s) => JSON.stringify(s)).join(" or ")}`,
      );
      continue;
    }
    if (hosts.has(host as string)) {
      reader.fail("loadBalancer", shown, `each host once (${String(host)} is routed twice)`);
      continue;
    }
    hosts.add(host as string);
    parsed.push({ host: host as string, service: known });
  }
  if (
    allowedSourceRanges !== undefined &&
    !(
      Array.isArray(allowedSourceRanges) &&
      allowedSourceRanges.length > 0 &&
      allowedSourceRanges.length <= MAX_SOURCE_RANGES &&
      allowedSourceRanges.every((r) => typeof r === "string" && isCidr(r))
    )
  ) {
    reader.fail(
      "loadBalancer",
      JSON.stringify(allowedSourceRanges),
      `allowedSourceRanges as a list of 1 to ${MAX_SOURCE_RANGES} CIDR ranges, e.g. ["203.0.113.0/24"]`,
    );
  }
  return { routes: parsed, allowedSourceRanges: allowedSourceRanges as string[] | undefined };
}

function routes(config: GcpStackConfig, service: "tempo" | "grafana"): boolean {
  return config.loadBalancer?.routes.some((route) => route.service === service) ?? false;
}

/** Routes and ingress settings that would deploy fine and then leave a service unreachable. */
function rejectUnreachable(reader: ConfigReader, config: GcpStackConfig): void {
  for (const service of ROUTED_SERVICES) {
    const key = service === "tempo" ? "tempoIngress" : "grafanaIngress";
    const ingress = service === "tempo" ? config.tempoIngress : config.grafanaIngress;
    if (routes(config, service) && ingress === "internal") {
      reader.fail(
        key,
        ingress,
        `"internal-and-cloud-load-balancing" or "all": the load balancer routes to ${service}, and internal ingress refuses it`,
      );
    }
  }
}

/**
 * People need a way to Grafana that is both open to them and closed to everyone else: IAP on
 * Grafana's Cloud Run service (principals in `grafanaIapMembers`), or a load-balancer route to
 * Grafana behind Cloud Armor's source ranges. Anything else either reaches nobody outside the
 * VPC or puts Grafana's login page on the internet; both are refused by name.
 */
function rejectNoPathForPeople(reader: ConfigReader, config: GcpStackConfig): void {
  const iap = config.grafanaIapMembers.length > 0;
  const routed = routes(config, "grafana");
  const armored = routed && (config.loadBalancer?.allowedSourceRanges?.length ?? 0) > 0;
  const ingress: IngressSetting = config.grafanaIngress;
  if (!iap && !armored) {
    reader.fail(
      "grafanaIapMembers",
      undefined,
      'principals IAP lets open Grafana, e.g. ["group:team@example.com"], or a load-balancer route to grafana ' +
        "with allowedSourceRanges (Cloud Armor): " +
        (routed
          ? "a route without either puts Grafana's login page on the internet"
          : "without either, nobody outside the VPC can open Grafana"),
    );
  }
  if (!iap && ingress === "all") {
    reader.fail(
      "grafanaIngress",
      ingress,
      '"internal-and-cloud-load-balancing" or "internal" unless tracing:grafanaIapMembers puts IAP in front: ' +
        '"all" without IAP opens Grafana\'s login page to the internet',
    );
  }
  if (iap && !routed && ingress !== "all") {
    reader.fail(
      "grafanaIngress",
      ingress,
      '"all" (the default with IAP): people reach Grafana at its run.app URL, where IAP checks them, and ' +
        `"${ingress}" refuses them there; or add a load-balancer route to grafana`,
    );
  }
}

/**
 * Cloud Armor's source ranges guard the human-facing backend only. Tempo's callers (the
 * monolith, and Grafana if it went through the load balancer) run on Cloud Run, whose egress
 * addresses are not fixed, so an allow-list in front of Tempo would block them; the bearer
 * token guards Tempo instead. Ranges with no Grafana route would guard nothing.
 */
function rejectMisplacedArmor(reader: ConfigReader, config: GcpStackConfig): void {
  const ranges = config.loadBalancer?.allowedSourceRanges;
  if (ranges !== undefined && ranges.length > 0 && !routes(config, "grafana")) {
    reader.fail(
      "loadBalancer",
      JSON.stringify(ranges),
      "allowedSourceRanges only with a route to grafana: Cloud Armor guards Grafana's backend only, because " +
        "Tempo's callers on Cloud Run have no fixed source address (the bearer token guards Tempo)",
    );
  }
}
