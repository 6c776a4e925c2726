import { expect } from "chai";
import { bucketNameProblem, hostNameProblem, isCidr } from "../config/stack/gcpNames";
import { runProgramExpectingError, stackFileConfig } from "./harness";

describe("GCP names", () => {
  it("accepts the guide's bucket and other valid names", () => {
    for (const name of ["diagramik-traces", "a_b-c.d", "abc", "traces.example.com"]) {
      expect(bucketNameProblem(name), name).to.equal(undefined);
    }
  });

  it("rejects bucket names GCS refuses", () => {
    for (const name of [
      "ab",
      "Diagramik-Traces",
      "-traces",
      "traces-",
      "goog-traces",
      "my-google-bucket",
      "192.168.1.1",
      "a..b",
      "x".repeat(64),
    ]) {
      expect(bucketNameProblem(name), name).to.be.a("string");
    }
  });

  it("accepts fully qualified lowercase hosts only", () => {
    expect(hostNameProblem("tempo.your-domain.com")).to.equal(undefined);
    for (const host of ["tempo", "*.example.com", "Tempo.example.com", "tempo.example.com.", "-a.example.com", ""]) {
      expect(hostNameProblem(host), host).to.be.a("string");
    }
  });

  it("recognises IPv4 and IPv6 CIDR ranges", () => {
    expect(["10.0.0.0/8", "203.0.113.7/32", "2001:db8::/32"].every(isCidr)).to.equal(true);
    expect(["10.0.0.0", "10.0.0.0/33", "300.0.0.0/8", "2001:db8::/129", "any"].some(isCidr)).to.equal(false);
  });
});

describe("bad prod config stops the program before any resource", () => {
  const route = (host: string, service: string) => ({ host, service });
  const cases: { name: string; config: Record<string, unknown>; message: string }[] = [
    {
      name: "a missing project",
      config: { "gcp:project": "" },
      message: "gcp:project is not set: expected a GCP project id",
    },
    { name: "a missing region", config: { "gcp:region": "" }, message: "gcp:region is not set: expected a GCP region" },
    {
      name: "a malformed project",
      config: { "gcp:project": "My Project" },
      message: 'gcp:project = "My Project": expected a GCP project id',
    },
    {
      name: "a bucket name with capitals",
      config: { "tracing:bucketName": "Diagramik_Traces" },
      message: 'tracing:bucketName = "Diagramik_Traces": expected a valid GCS bucket name: lowercase letters',
    },
    {
      name: "a bucket name GCS reserves",
      config: { "tracing:bucketName": "google-traces" },
      message: "expected a valid GCS bucket name: a name that neither starts with 'goog' nor contains 'google'",
    },
    {
      name: "no bucket name",
      config: { "tracing:bucketName": "" },
      message: "tracing:bucketName is not set: expected a GCS bucket name",
    },
    {
      name: "a retention of zero",
      config: { "tracing:retentionDays": 0 },
      message: 'tracing:retentionDays = "0": expected a whole number of days from 1 to 3650',
    },
    {
      name: "anonymous Grafana",
      config: { "tracing:grafanaAnonymousRole": "Viewer" },
      message: 'tracing:grafanaAnonymousRole = "Viewer": expected "none" on gcp',
    },
    {
      name: "the LGTM mode",
      config: { "tracing:mode": "lgtm" },
      message: 'tracing:mode = "lgtm": expected "split" or unset on gcp',
    },
    {
      name: "a fractional CPU",
      config: { "tracing:tempoCpu": "0.5" },
      message: 'tracing:tempoCpu = "0.5": expected one of "1", "2", "4", "6", "8"',
    },
    {
      name: "more memory than the CPU allows",
      config: { "tracing:tempoMemory": "8Gi" },
      message: 'tracing:tempoMemory = "8Gi": expected a size from 512Mi to 4Gi for 1 vCPU',
    },
    {
      name: "a misspelt ingress",
      config: { "tracing:tempoIngress": "INGRESS_TRAFFIC_INTERNAL_ONLY" },
      message:
        'tracing:tempoIngress = "INGRESS_TRAFFIC_INTERNAL_ONLY": expected one of "internal", "internal-and-cloud-load-balancing", "all"',
    },
    {
      name: "half a VPC",
      config: { "tracing:vpcSubnetwork": "" },
      message: "tracing:vpcSubnetwork is not set: expected set together with its pair",
    },
    {
      name: "no way for Grafana to reach Tempo",
      config: { "tracing:vpcNetwork": "", "tracing:vpcSubnetwork": "" },
      message: "otherwise Grafana cannot reach Tempo's internal ingress",
    },
    {
      name: "a load balancer with no routes",
      config: { "tracing:loadBalancer": { routes: [] } },
      message: 'tracing:loadBalancer = "{\\"routes\\":[]}": expected at least one route',
    },
    {
      name: "an empty host",
      config: { "tracing:loadBalancer": { routes: [route("", "tempo")] } },
      message: "expected a route host that is a host name of 1 to 253 characters",
    },
    {
      name: "an invalid host",
      config: { "tracing:loadBalancer": { routes: [route("tempo_example.com", "tempo")] } },
      message: "expected a route host that is lowercase DNS labels",
    },
    {
      name: "a duplicate host",
      config: {
        "tracing:loadBalancer": { routes: [route("t.example.com", "tempo"), route("t.example.com", "grafana")] },
      },
      message: "expected each host once (t.example.com is routed twice)",
    },
    {
      name: "an unknown service",
      config: { "tracing:loadBalancer": { routes: [route("loki.example.com", "loki")] } },
      message: 'expected a route service of "tempo" or "grafana"',
    },
    {
      name: "a bad source range",
      config: {
        "tracing:loadBalancer": { routes: [route("t.example.com", "tempo")], allowedSourceRanges: ["10.0.0.0"] },
      },
      message: "expected allowedSourceRanges as a list of 1 to 10 CIDR ranges",
    },
    {
      name: "a route the ingress refuses",
      config: {
        "tracing:loadBalancer": { routes: [route("t.example.com", "tempo")] },
        "tracing:tempoIngress": "internal",
      },
      message: 'tracing:tempoIngress = "internal": expected "internal-and-cloud-load-balancing" or "all"',
    },
    {
      name: "a malformed agent list",
      config: { "tracing:agentServiceAccounts": ["someone@gmail.com"] },
      message: "tracing:agentServiceAccounts",
    },
  ];

  for (const { name, config, message } of cases) {
    it(`rejects ${name}`, async () => {
      const { error, resources } = await runProgramExpectingError({ ...stackFileConfig("prod"), ...config });
      expect(error.message).to.contain("Invalid stack configuration (nothing was deployed)");
      expect(error.message).to.contain(message);
      expect(resources).to.deep.equal([]);
    });
  }
});
