import { expect } from "chai";
import { ARMORED_SERVICES, LOAD_BALANCING_SCHEME, matcherName } from "../components/loadBalancerRoute";
import { ProgramRun, Recorded, one, ofType, runProgram, stackFileConfig } from "./harness";

const COMPUTE = "gcp:compute/";
/** Compute resources that are not the load balancer's: the Direct VPC egress network. */
const EGRESS_NETWORK = ["gcp:compute/network:Network", "gcp:compute/subnetwork:Subnetwork"];

function withRoutes(loadBalancer: unknown): Promise<ProgramRun> {
  return runProgram({ ...stackFileConfig("prod"), "tracing:loadBalancer": loadBalancer }, "prod");
}

function computeSummary(run: ProgramRun): string[] {
  return run.resources
    .filter((r) => r.type.startsWith(COMPUTE) && !EGRESS_NETWORK.includes(r.type))
    .map((r) => `${r.type.slice(COMPUTE.length)} ${r.name}`)
    .sort();
}

interface HostRule {
  hosts: string[];
  pathMatcher: string;
}

describe("load balancer route", () => {
  describe("with one route to Tempo", () => {
    let run: ProgramRun;
    before(async () => {
      run = await withRoutes({ routes: [{ host: "tempo.example.com", service: "tempo" }] });
    });

    it("registers exactly one NEG, backend, URL map, certificate, proxies, address and two forwarding rules", () => {
      expect(computeSummary(run)).to.deep.equal([
        "backendService:BackendService tracing-tempo",
        "globalAddress:GlobalAddress tracing-ip",
        "globalForwardingRule:GlobalForwardingRule tracing-http",
        "globalForwardingRule:GlobalForwardingRule tracing-https",
        "managedSslCertificate:ManagedSslCertificate tracing-cert",
        "regionNetworkEndpointGroup:RegionNetworkEndpointGroup tracing-tempo",
        "targetHttpProxy:TargetHttpProxy tracing-http",
        "targetHttpsProxy:TargetHttpsProxy tracing-https",
        "uRLMap:URLMap tracing",
        "uRLMap:URLMap tracing-http-redirect",
      ]);
      expect(one(run, "gcp:projects/service:Service", "api-compute").inputs.service).to.equal("compute.googleapis.com");
    });

    it("points a serverless NEG at the Tempo Cloud Run service in its region", () => {
      expect(one(run, "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup").inputs).to.deep.include({
        region: "us-central1",
        networkEndpointType: "SERVERLESS",
        cloudRun: { service: "tempo" },
      });
    });

    it("exports the address, the DNS record to create and the HTTPS URL", () => {
      expect(run.outputs).to.deep.include({
        loadBalancerIp: "203.0.113.10",
        dnsRecords: [{ name: "tempo.example.com", type: "A", value: "203.0.113.10" }],
        httpsUrls: { "tempo.example.com": "https://tempo.example.com" },
        otlpHttpEndpoint: "https://tempo.example.com",
      });
    });

    it("adds no Cloud Armor policy unless source ranges are configured", () => {
      expect(ofType(run, "gcp:compute/securityPolicy:SecurityPolicy")).to.deep.equal([]);
      expect(one(run, "gcp:compute/backendService:BackendService").inputs).to.not.have.key("securityPolicy");
    });
  });

  describe("with routes to Tempo and Grafana", () => {
    let run: ProgramRun;
    const routes = [
      { host: "tempo.example.com", service: "tempo" },
      { host: "grafana.example.com", service: "grafana" },
    ];
    before(async () => {
      run = await withRoutes({ routes, allowedSourceRanges: ["203.0.113.0/24", "2001:db8::/32"] });
    });

    it("has one host rule and path matcher per route, each to its service's backend", () => {
      const map = one(run, "gcp:compute/uRLMap:URLMap", "tracing");
      expect(map.inputs.hostRules as HostRule[]).to.deep.equal(
        routes.map((r) => ({ hosts: [r.host], pathMatcher: matcherName(r.host) })),
      );
      expect(map.inputs.pathMatchers).to.deep.equal([
        { name: "host-tempo-example-com", defaultService: "tracing-tempo-id" },
        { name: "host-grafana-example-com", defaultService: "tracing-grafana-id" },
      ]);
    });

    it("certifies exactly the route hosts", () => {
      expect(one(run, "gcp:compute/managedSslCertificate:ManagedSslCertificate").inputs.managed).to.deep.equal({
        domains: ["tempo.example.com", "grafana.example.com"],
      });
    });

    it("answers plain HTTP only with a redirect to HTTPS", () => {
      const redirect = one(run, "gcp:compute/uRLMap:URLMap", "tracing-http-redirect");
      expect(redirect.inputs.defaultUrlRedirect).to.include({ httpsRedirect: true });
      expect(redirect.inputs).to.not.have.any.keys("defaultService", "hostRules", "pathMatchers");
      expect(one(run, "gcp:compute/targetHttpProxy:TargetHttpProxy").inputs.urlMap).to.equal(
        "tracing-http-redirect-id",
      );
      const rules = ofType(run, "gcp:compute/globalForwardingRule:GlobalForwardingRule");
      expect(rules.map((r) => `${String(r.inputs.portRange)} -> ${String(r.inputs.target)}`).sort()).to.deep.equal([
        "443 -> tracing-https-id",
        "80 -> tracing-http-id",
      ]);
    });

    it("uses one load-balancing scheme for every forwarding rule and backend service", () => {
      const schemed: Recorded[] = [
        ...ofType(run, "gcp:compute/globalForwardingRule:GlobalForwardingRule"),
        ...ofType(run, "gcp:compute/backendService:BackendService"),
      ];
      expect(schemed).to.have.length(4);
      expect(new Set(schemed.map((r) => r.inputs.loadBalancingScheme))).to.deep.equal(new Set([LOAD_BALANCING_SCHEME]));
    });

    it("puts only the human-facing Grafana backend behind the Cloud Armor policy of the configured ranges", () => {
      const policy = one(run, "gcp:compute/securityPolicy:SecurityPolicy");
      const rules = policy.inputs.rules as {
        action: string;
        priority: number;
        match: { config: { srcIpRanges: string[] } };
      }[];
      expect(rules.map((r) => [r.priority, r.action, r.match.config.srcIpRanges])).to.deep.equal([
        [1000, "allow", ["203.0.113.0/24", "2001:db8::/32"]],
        [2147483647, "deny(403)", ["*"]],
      ]);
      // Tempo's callers run on Cloud Run, whose egress addresses are not fixed: an allow-list
      // in front of Tempo would refuse them, so only Grafana's backend gets the policy.
      expect(ARMORED_SERVICES).to.deep.equal(["grafana"]);
      expect(one(run, "gcp:compute/backendService:BackendService", "tracing-grafana").inputs.securityPolicy).to.match(
        /securityPolicies\/tracing-armor$/,
      );
      expect(one(run, "gcp:compute/backendService:BackendService", "tracing-tempo").inputs).to.not.have.key(
        "securityPolicy",
      );
      for (const backend of ofType(run, "gcp:compute/backendService:BackendService")) {
        expect(backend.inputs.protocol).to.equal("HTTPS");
      }
    });

    it("keeps IAP on the Grafana Cloud Run service only, never also on a backend service", () => {
      // The IAP for Cloud Run page: IAP cannot be configured on both the load balancer and the service.
      for (const backend of ofType(run, "gcp:compute/backendService:BackendService")) {
        expect(backend.inputs).to.not.have.key("iap");
      }
      expect(one(run, "gcp:cloudrunv2/service:Service", "grafana").inputs).to.include({
        iapEnabled: true,
        invokerIamDisabled: false,
        ingress: "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
      });
    });

    it("gives Grafana its public URL and exposes the backends for a URL map kept elsewhere", () => {
      const grafana = one(run, "gcp:cloudrunv2/service:Service", "grafana");
      const containers = (grafana.inputs.template as { containers: { envs: { name: string; value: string }[] }[] })
        .containers;
      expect(containers[0].envs).to.deep.include({ name: "GF_SERVER_ROOT_URL", value: "https://grafana.example.com" });
      expect(run.outputs.grafanaUrl).to.equal("https://grafana.example.com");
      expect(run.outputs.backendServices).to.deep.equal({ tempo: "tracing-tempo-id", grafana: "tracing-grafana-id" });
    });
  });

  it("registers no load-balancer resource at all when off", async () => {
    const run = await runProgram(stackFileConfig("prod"), "prod");
    expect(computeSummary(run)).to.deep.equal([]);
    expect(run.outputs).to.not.have.any.keys("loadBalancerIp", "dnsRecords", "httpsUrls", "backendServices");
  });
});
