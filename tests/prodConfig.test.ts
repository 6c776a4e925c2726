import { expect } from "chai";
import { subnetworkProblems } from "../components/privateNetwork";
import { checkPeopleAccess, oauthClientSteps, principalStanding } from "../components/gcp/projectFacts";
import {
  bucketNameProblem,
  hostNameProblem,
  iapMemberProblem,
  isCidr,
  subnetRangeProblem,
} from "../config/stack/gcpNames";
import { mockInvokes, mockSubnetwork, runProgramExpectingError, stackFileConfig } from "./harness";

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

  it("accepts private /26-or-larger ranges for the managed subnetwork only", () => {
    for (const range of ["10.8.0.0/24", "10.0.0.0/26", "172.16.0.0/20", "192.168.4.0/24"]) {
      expect(subnetRangeProblem(range), range).to.equal(undefined);
    }
    for (const range of ["10.8.0.0/27", "8.8.8.0/24", "10.8.0.1/24", "172.32.0.0/16", "fd00::/64", "10.8.0.0"]) {
      expect(subnetRangeProblem(range), range).to.be.a("string");
    }
  });

  it("accepts named IAP principals by type, and never the public ones or project convenience values", () => {
    for (const member of [
      "group:team@example.com",
      "user:ana@example.com",
      "serviceAccount:ci@p.iam.gserviceaccount.com",
      "domain:example.com",
      "principalSet://iam.googleapis.com/locations/global/workforcePools/p/group/g",
    ]) {
      expect(iapMemberProblem(member, "diagramik-prod"), member).to.equal(undefined);
    }
    for (const member of [
      "allUsers",
      "allAuthenticatedUsers",
      "team@example.com",
      "group:team",
      "projectOwner:diagramik-prod",
      "projectViewer:other",
    ]) {
      expect(iapMemberProblem(member, "diagramik-prod"), member).to.be.a("string");
    }
  });

  it("names what is wrong with a given subnetwork: network, Private Google Access, size", () => {
    const given = { project: "p-123456", region: "us-central1", network: "shared", subnetwork: "sub" };
    const facts = mockSubnetwork({ name: "sub", region: "us-central1", project: "p-123456" });
    expect(
      subnetworkProblems(
        { network: "x/networks/shared", privateIpGoogleAccess: true, ipCidrRange: "10.0.0.0/24" },
        given,
      ),
    ).to.deep.equal([]);
    const problems = subnetworkProblems(
      { network: String(facts.network), privateIpGoogleAccess: false, ipCidrRange: "10.0.0.0/28" },
      given,
    );
    expect(problems.map((p) => p.key)).to.deep.equal([
      "tracing:vpcNetwork",
      "tracing:vpcSubnetwork",
      "tracing:vpcSubnetwork",
    ]);
    expect(problems[1].expected).to.contain("--enable-private-ip-google-access");
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
      message: 'tracing:tempoCpu = "0.5": expected one of "1", "2", "4", "6": whole vCPUs',
    },
    {
      name: "8 vCPU for Tempo, leaving none for the proxy",
      config: { "tracing:tempoCpu": "8", "tracing:tempoMemory": "8Gi" },
      message: "at most 6 because the ingress proxy takes 1 of an instance's 8",
    },
    {
      name: "more memory than the CPU allows",
      config: { "tracing:tempoMemory": "8Gi" },
      message: 'tracing:tempoMemory = "8Gi": expected a size from 512Mi to 4Gi for 1 vCPU',
    },
    {
      name: "less memory than 4 vCPU require",
      config: { "tracing:tempoCpu": "4", "tracing:tempoMemory": "1Gi" },
      message: 'tracing:tempoMemory = "1Gi": expected a size from 2Gi to 16Gi for 4 vCPU',
    },
    {
      name: "less memory than the second generation's minimum",
      config: { "tracing:tempoMemory": "256Mi" },
      message: 'tracing:tempoMemory = "256Mi": expected a size from 512Mi to 4Gi for 1 vCPU',
    },
    {
      name: "a block upload interval that was not measured",
      config: { "tracing:tempoBlockUpload": "10s" },
      message: 'tracing:tempoBlockUpload = "10s": expected one of "30s", "2s"',
    },
    {
      name: "a block upload interval with Tempo 2.10, which uploads everything on shutdown",
      config: { "tracing:tempoVersion": "2.10.8", "tracing:tempoBlockUpload": "2s" },
      message:
        'tracing:tempoBlockUpload = "2s": expected unset with Tempo 2.10.8: its ingester uploads every block on shutdown',
    },
    {
      name: "a misspelt ingress",
      config: { "tracing:tempoIngress": "INGRESS_TRAFFIC_INTERNAL_ONLY" },
      message:
        'tracing:tempoIngress = "INGRESS_TRAFFIC_INTERNAL_ONLY": expected one of "internal", "internal-and-cloud-load-balancing", "all"',
    },
    {
      name: "half a VPC",
      config: { "tracing:tempoIngress": "internal-and-cloud-load-balancing", "tracing:vpcNetwork": "default" },
      message: "tracing:vpcSubnetwork is not set: expected set together with its pair",
    },
    {
      name: "a range for a subnetwork the config names",
      config: {
        "tracing:tempoIngress": "internal",
        "tracing:vpcNetwork": "default",
        "tracing:vpcSubnetwork": "default",
        "tracing:vpcSubnetRange": "10.9.0.0/24",
      },
      message:
        'tracing:vpcSubnetRange = "10.9.0.0/24": expected unset when tracing:vpcNetwork and tracing:vpcSubnetwork name',
    },
    {
      name: "a managed subnetwork smaller than Direct VPC egress needs",
      config: { "tracing:tempoIngress": "internal-and-cloud-load-balancing", "tracing:vpcSubnetRange": "10.8.0.0/28" },
      message: "Cloud Run's Direct VPC egress needs /26 or larger",
    },
    {
      name: "a public range for the managed subnetwork",
      config: { "tracing:tempoIngress": "internal-and-cloud-load-balancing", "tracing:vpcSubnetRange": "8.8.8.0/24" },
      message: 'tracing:vpcSubnetRange = "8.8.8.0/24": expected a private IPv4 range (RFC 1918)',
    },
    {
      name: "a VPC for Grafana while Tempo's ingress is open",
      config: { "tracing:vpcNetwork": "default", "tracing:vpcSubnetwork": "default" },
      message:
        'tracing:vpcNetwork = "default": expected unset while tracing:tempoIngress is "all": Grafana then reaches Tempo\'s public URL with the token',
    },
    {
      name: "a malformed OAuth client id",
      config: {
        "tracing:grafanaOauthClientId": "my-client",
        "tracing:grafanaOauthClientSecret": { secure: "s3cret" },
      },
      message: 'tracing:grafanaOauthClientId = "my-client": expected an OAuth client id as the console shows it',
    },
    {
      name: "an OAuth client id without its secret",
      config: { "tracing:grafanaOauthClientId": "123-abc.apps.googleusercontent.com" },
      message: "tracing:grafanaOauthClientSecret is not set: expected set together with its pair",
    },
    {
      name: "a group as a Grafana admin",
      config: { "tracing:grafanaAdmins": ["group:admins@example.com"] },
      message:
        "tracing:grafanaAdmins = \"group:admins@example.com\": expected user: followed by a person's email, e.g. user:ana@example.com (IAP's signed header names a person, never a group)",
    },
    {
      name: "Admin as everyone's role",
      config: { "tracing:grafanaDefaultRole": "Admin" },
      message: 'tracing:grafanaDefaultRole = "Admin": expected one of "Viewer", "Editor"',
    },
    {
      name: "sign-in settings without IAP",
      config: {
        "tracing:grafanaIapMembers": [],
        "tracing:grafanaAdmins": ["user:ana@example.com"],
        "tracing:loadBalancer": {
          routes: [{ host: "g.example.com", service: "grafana" }],
          allowedSourceRanges: ["203.0.113.0/24"],
        },
      },
      message:
        'tracing:grafanaAdmins = "[\\"user:ana@example.com\\"]": expected unset without tracing:grafanaIapMembers',
    },
    {
      name: "no path for people to Grafana",
      config: { "tracing:grafanaIapMembers": [] },
      message:
        'tracing:grafanaIapMembers is not set: expected principals IAP lets open Grafana, e.g. ["group:team@example.com"], ' +
        "or a load-balancer route to grafana with allowedSourceRanges (Cloud Armor): without either, nobody outside the VPC can open Grafana",
    },
    {
      name: "a Grafana route with neither IAP nor Cloud Armor",
      config: {
        "tracing:grafanaIapMembers": [],
        "tracing:loadBalancer": { routes: [route("grafana.example.com", "grafana")] },
      },
      message: "a route without either puts Grafana's login page on the internet",
    },
    {
      name: "Grafana open to the internet without IAP",
      config: {
        "tracing:grafanaIapMembers": [],
        "tracing:grafanaIngress": "all",
        "tracing:loadBalancer": {
          routes: [route("grafana.example.com", "grafana")],
          allowedSourceRanges: ["203.0.113.0/24"],
        },
      },
      message: 'tracing:grafanaIngress = "all": expected "internal-and-cloud-load-balancing" or "internal" unless',
    },
    {
      name: "IAP behind an ingress that refuses people",
      config: { "tracing:grafanaIngress": "internal-and-cloud-load-balancing" },
      message:
        'tracing:grafanaIngress = "internal-and-cloud-load-balancing": expected "all" (the default with IAP): people reach Grafana at its run.app URL',
    },
    {
      name: "everyone through IAP",
      config: { "tracing:grafanaIapMembers": ["allUsers"] },
      message: 'tracing:grafanaIapMembers = "allUsers": expected named principals only',
    },
    {
      name: "a project's owners through IAP, a Cloud Storage convenience value",
      config: { "tracing:grafanaIapMembers": ["projectOwner:diagramik-prod"] },
      message: "expected a named principal (group:, user:, ...): projectOwner: is a Cloud Storage convenience value",
    },
    {
      name: "a principal without its type",
      config: { "tracing:grafanaIapMembers": ["team@example.com"] },
      message: 'tracing:grafanaIapMembers = "team@example.com": expected a principal such as group:team@example.com',
    },
    {
      name: "IAP principals that are not a list",
      config: { "tracing:grafanaIapMembers": "group:team@example.com" },
      message: "expected a JSON list of principals IAP lets open Grafana",
    },
    {
      name: "Cloud Armor ranges with no Grafana route",
      config: {
        "tracing:loadBalancer": { routes: [route("t.example.com", "tempo")], allowedSourceRanges: ["203.0.113.0/24"] },
      },
      message: "expected allowedSourceRanges only with a route to grafana: Cloud Armor guards Grafana's backend only",
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
        "tracing:loadBalancer": { routes: [route("g.example.com", "grafana")], allowedSourceRanges: ["10.0.0.0"] },
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

  describe("a subnetwork named in the config", () => {
    const token = "gcp:compute/getSubnetwork:getSubnetwork";
    const answer = mockInvokes[token];
    const given = {
      "tracing:tempoIngress": "internal",
      "tracing:vpcNetwork": "default",
      "tracing:vpcSubnetwork": "default",
    };
    afterEach(() => {
      mockInvokes[token] = answer;
    });

    it("stops before any resource when Private Google Access is off, with the command that turns it on", async () => {
      mockInvokes[token] = (inputs) => ({ ...answer(inputs), privateIpGoogleAccess: false });
      const { error, resources } = await runProgramExpectingError({ ...stackFileConfig("prod"), ...given });
      expect(error.message).to.contain("Invalid stack configuration (nothing was deployed)");
      expect(error.message).to.contain(
        'tracing:vpcSubnetwork = "default": expected a subnetwork with Private Google Access on, and default in us-central1 of project diagramik-prod has it off',
      );
      expect(error.message).to.contain(
        "gcloud compute networks subnets update default --region us-central1 --project diagramik-prod --enable-private-ip-google-access",
      );
      expect(resources).to.deep.equal([]);
    });

    it("stops before any resource when the subnetwork cannot be read", async () => {
      mockInvokes[token] = () => {
        // As the engine reports a failed invoke: a gRPC error whose details carry the provider's message.
        const details = "googleapi: Error 404: The resource 'default' was not found";
        throw Object.assign(new Error(details), { details });
      };
      const { error, resources } = await runProgramExpectingError({ ...stackFileConfig("prod"), ...given });
      expect(error.message).to.contain(
        'tracing:vpcSubnetwork = "default": expected an existing subnetwork in us-central1',
      );
      expect(error.message).to.contain("Error 404");
      expect(resources).to.deep.equal([]);
    });

    it("stops when the subnetwork belongs to another network", async () => {
      const { error } = await runProgramExpectingError({
        ...stackFileConfig("prod"),
        "tracing:tempoIngress": "internal",
        "tracing:vpcNetwork": "shared",
        "tracing:vpcSubnetwork": "default",
      });
      expect(error.message).to.contain('tracing:vpcNetwork = "shared": expected the network of subnetwork default');
    });
  });
});

describe("who IAP's own OAuth client can admit", () => {
  it("places principals against the organization's domain: consumer accounts never in it", () => {
    expect(principalStanding("group:team@example.com", "example.com")).to.equal("inside");
    expect(principalStanding("user:ana@eu.example.com", "example.com")).to.equal("inside");
    expect(principalStanding("domain:example.com", "example.com")).to.equal("inside");
    expect(principalStanding("user:bob@partner.example", "example.com")).to.equal("outside");
    expect(principalStanding("user:contractor@gmail.com", "example.com")).to.equal("outside");
    expect(principalStanding("user:contractor@gmail.com", undefined)).to.equal("outside");
    expect(principalStanding("user:bob@partner.example", undefined)).to.equal("unknown");
    expect(principalStanding("serviceAccount:ci@p.iam.gserviceaccount.com", undefined)).to.equal("inside");
    expect(
      principalStanding("principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s", "example.com"),
    ).to.equal("unknown");
  });

  const settings = {
    project: "diagramik-prod",
    stack: "prod",
    iapMembers: ["group:team@example.com"],
    hasOauthClient: false,
  };
  const inOrganization = { projectNumber: "1", organization: { id: "9", domain: "example.com" } };

  it("needs nothing more in an organization for its own people", () => {
    expect(checkPeopleAccess(settings, inOrganization)).to.deep.equal({ problems: [], warnings: [] });
  });

  it("needs a custom OAuth client without an organization, or for anyone outside it, unless one is set", () => {
    const noOrganization = { projectNumber: "1", organization: undefined };
    const [problem] = checkPeopleAccess(settings, noOrganization).problems;
    expect(problem.key).to.equal("tracing:grafanaOauthClientId");
    expect(problem.expected).to.include(oauthClientSteps("diagramik-prod", "prod"));
    const outside = { ...settings, iapMembers: ["group:team@example.com", "user:x@gmail.com"] };
    expect(checkPeopleAccess(outside, inOrganization).problems[0].expected).to.include("user:x@gmail.com is outside");
    expect(checkPeopleAccess({ ...outside, hasOauthClient: true }, noOrganization)).to.deep.equal({
      problems: [],
      warnings: [],
    });
  });

  it("warns, without stopping, about principals it cannot place", () => {
    const unreadable = { projectNumber: "1", organization: { id: "9", domain: undefined } };
    const check = checkPeopleAccess({ ...settings, iapMembers: ["group:p@partner.example"] }, unreadable);
    expect(check.problems).to.deep.equal([]);
    expect(check.warnings).to.deep.equal([
      "IAP: cannot tell whether group:p@partner.example is in organization 9 (its domain is not readable here). IAP's " +
        "Google-managed client admits only the organization's users: for anyone outside it, set " +
        "tracing:grafanaOauthClientId and tracing:grafanaOauthClientSecret (docs/first-deploy.md).",
    ]);
  });
});
