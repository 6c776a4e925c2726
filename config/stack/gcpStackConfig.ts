import { PROJECT_ID, REGION, SERVICE_ACCOUNT_EMAIL, bucketNameProblem, hostNameProblem, isCidr } from "./gcpNames";
import { ConfigReader } from "./reader";
import {
  DEFAULTS,
  GcpStackConfig,
  INGRESS_SETTINGS,
  LoadBalancerConfig,
  ROUTED_SERVICES,
  Route,
  SharedConfig,
} from "./stackTypes";

const CPU_VALUES = ["1", "2", "4", "6", "8"] as const;
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
  const cpu = reader.oneOf("tempoCpu", CPU_VALUES, DEFAULTS.tempoCpu);
  const memory = readMemory(reader, Number(cpu));
  const vpc = readVpc(reader);
  const loadBalancer = readLoadBalancer(reader);
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
    tempoIngress: reader.oneOf("tempoIngress", INGRESS_SETTINGS, DEFAULTS.ingress),
    grafanaIngress: reader.oneOf("grafanaIngress", INGRESS_SETTINGS, DEFAULTS.ingress),
    vpc,
    agentServiceAccounts: readServiceAccounts(reader),
    loadBalancer,
  };
  rejectUnreachable(reader, config);
  return config;
}

function readMemory(reader: ConfigReader, cpu: number): string {
  const value = reader.raw("tempoMemory") ?? DEFAULTS.tempoMemory;
  const match = MEMORY.exec(value);
  const mebibytes = match ? Number(match[1]) * (match[2] === "Gi" ? 1024 : 1) : NaN;
  const max = cpu * 4096;
  if (!(mebibytes >= 512 && mebibytes <= max)) {
    reader.fail("tempoMemory", value, `a size from 512Mi to ${max / 1024}Gi for ${cpu} vCPU, e.g. 2Gi`);
    return DEFAULTS.tempoMemory;
  }
  return value;
}

function readVpc(reader: ConfigReader): GcpStackConfig["vpc"] {
  const network = reader.raw("vpcNetwork");
  const subnetwork = reader.raw("vpcSubnetwork");
  if ((network === undefined) !== (subnetwork === undefined)) {
    const missing = network === undefined ? "vpcNetwork" : "vpcSubnetwork";
    reader.fail(missing, undefined, "set together with its pair: Direct VPC egress needs a network and a subnetwork");
    return undefined;
  }
  return network !== undefined && subnetwork !== undefined ? { network, subnetwork } : undefined;
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
  'an object {"routes": [{"host": "tempo.example.com", "service": "tempo"}], "allowedSourceRanges": ["203.0.113.0/24"]}';

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

/** Routes and ingress settings that would deploy fine and then leave a service unreachable. */
function rejectUnreachable(reader: ConfigReader, config: GcpStackConfig): void {
  const routed = new Set(config.loadBalancer?.routes.map((route) => route.service) ?? []);
  for (const service of ROUTED_SERVICES) {
    const key = service === "tempo" ? "tempoIngress" : "grafanaIngress";
    const ingress = service === "tempo" ? config.tempoIngress : config.grafanaIngress;
    if (routed.has(service) && ingress === "internal") {
      reader.fail(
        key,
        ingress,
        `"internal-and-cloud-load-balancing" or "all": the load balancer routes to ${service}, and internal ingress refuses it`,
      );
    }
  }
  if (config.tempoIngress !== "all" && !routed.has("tempo") && config.vpc === undefined) {
    reader.fail(
      "vpcSubnetwork",
      undefined,
      "a VPC network and subnetwork (tracing:vpcNetwork, tracing:vpcSubnetwork) for Grafana's egress, a load-balancer route to tempo, or tracing:tempoIngress \"all\": otherwise Grafana cannot reach Tempo's internal ingress",
    );
  }
}
