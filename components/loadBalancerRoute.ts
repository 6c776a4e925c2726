import * as gcp from "./gcp/sdk";
import * as pulumi from "@pulumi/pulumi";
import { Route, RoutedService } from "../config/stack/stackConfig";

/** A Cloud Run service the load balancer can send a host to. */
export interface RouteTarget {
  /** The Cloud Run service's name (not its URL). */
  readonly serviceName: pulumi.Input<string>;
}

export interface LoadBalancerRouteArgs {
  /** The Cloud Run services' region (serverless NEGs are regional). */
  readonly region: string;
  /** Hosts and the service each reaches. At least one. */
  readonly routes: readonly Route[];
  /** The services routes may name. */
  readonly targets: Readonly<Record<RoutedService, RouteTarget>>;
  /**
   * When set, a Cloud Armor policy on the human-facing backends (ARMORED_SERVICES) admits only
   * these source ranges (at most 10).
   */
  readonly allowedSourceRanges?: readonly string[];
  /** Created only after these (the Compute Engine API). */
  readonly waitFor?: pulumi.Input<pulumi.Resource>[];
}

/** A DNS record the user must create for the certificate to be issued and the hosts to work. */
export interface DnsRecord {
  readonly name: string;
  readonly type: "A";
  readonly value: string;
}

/**
 * One load-balancing scheme for every forwarding rule and backend service: the global
 * external Application Load Balancer. Mixing it with the classic `EXTERNAL` default fails
 * at deploy time.
 */
export const LOAD_BALANCING_SCHEME = "EXTERNAL_MANAGED";

/**
 * What each service speaks behind its serverless NEG. Both take HTTP/1.1 (Tempo's proxy
 * serves OTLP/HTTP and the query API, not gRPC), so HTTPS to Google's front end is right;
 * a route that must carry gRPC would need HTTP2 here and an `h2c` port on the service.
 */
export const BACKEND_PROTOCOLS: Readonly<Record<RoutedService, string>> = { tempo: "HTTPS", grafana: "HTTPS" };

/**
 * The backends Cloud Armor's source ranges guard: the human-facing one only. Tempo's callers
 * (the monolith) run on Cloud Run, whose egress addresses are not fixed, so an allow-list in front
 * of Tempo would refuse them; the bearer token guards Tempo. The config refuses ranges with no
 * Grafana route, so they never guard nothing.
 */
export const ARMORED_SERVICES: readonly RoutedService[] = ["grafana"];

/** A path-matcher name for a host: RFC 1035, as the URL map requires. */
export function matcherName(host: string): string {
  return `host-${host.replace(/[^a-z0-9]+/g, "-")}`.slice(0, 63).replace(/-+$/, "");
}

/**
 * The guide's "add to your existing URL map", done whole: an HTTPS load balancer with a host
 * rule per route to a Cloud Run service through a serverless NEG, a Google-managed
 * certificate for exactly those hosts, a reserved global address, and port 80 answering only
 * with a redirect to HTTPS. Teams with their own URL map can use `backendServices` instead.
 */
export class LoadBalancerRoute extends pulumi.ComponentResource {
  /** The reserved address every host must point to. */
  public readonly ipAddress: pulumi.Output<string>;
  /** The A records to create, one per host. */
  public readonly dnsRecords: pulumi.Output<DnsRecord[]>;
  /** `https://<host>` per route host. */
  public readonly urls: pulumi.Output<Record<string, string>>;
  /** Backend service ids per routed service, for a URL map managed elsewhere. */
  public readonly backendServices: pulumi.Output<Partial<Record<RoutedService, string>>>;

  constructor(name: string, args: LoadBalancerRouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tracing:network:LoadBalancerRoute", name, {}, opts);
    if (args.routes.length === 0) {
      throw new Error("LoadBalancerRoute needs at least one route");
    }
    const child = { parent: this, dependsOn: args.waitFor ?? [] };
    const hosts = args.routes.map((route) => route.host);

    const services = [...new Set(args.routes.map((route) => route.service))];
    const policy =
      args.allowedSourceRanges &&
      args.allowedSourceRanges.length > 0 &&
      services.some((service) => ARMORED_SERVICES.includes(service))
        ? new gcp.compute.SecurityPolicy(
            `${name}-armor`,
            {
              description: "Admit only the configured source ranges",
              rules: [
                {
                  priority: 1000,
                  action: "allow",
                  match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: [...args.allowedSourceRanges] } },
                  description: "allowed source ranges",
                },
                {
                  priority: 2147483647,
                  action: "deny(403)",
                  match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
                  description: "everyone else",
                },
              ],
            },
            child,
          )
        : undefined;

    const backends = new Map<RoutedService, gcp.compute.BackendService>();
    for (const service of services) {
      const neg = new gcp.compute.RegionNetworkEndpointGroup(
        `${name}-${service}`,
        {
          region: args.region,
          networkEndpointType: "SERVERLESS",
          cloudRun: { service: args.targets[service].serviceName },
        },
        child,
      );
      backends.set(
        service,
        new gcp.compute.BackendService(
          `${name}-${service}`,
          {
            protocol: BACKEND_PROTOCOLS[service],
            loadBalancingScheme: LOAD_BALANCING_SCHEME,
            backends: [{ group: neg.id }],
            ...(policy && ARMORED_SERVICES.includes(service) ? { securityPolicy: policy.selfLink } : {}),
            logConfig: { enable: true, sampleRate: 1 },
          },
          child,
        ),
      );
    }
    const backendFor = (service: RoutedService): pulumi.Output<string> => {
      const backend = backends.get(service);
      if (!backend) {
        throw new Error(`no backend for ${service}`);
      }
      return backend.id;
    };

    const urlMap = new gcp.compute.URLMap(
      name,
      {
        description: "Host routes to the tracing services",
        // A request for any other host is sent to the first route's host, never served.
        defaultUrlRedirect: { hostRedirect: hosts[0], httpsRedirect: true, stripQuery: false },
        hostRules: args.routes.map((route) => ({ hosts: [route.host], pathMatcher: matcherName(route.host) })),
        pathMatchers: args.routes.map((route) => ({
          name: matcherName(route.host),
          defaultService: backendFor(route.service),
        })),
      },
      child,
    );
    const certificate = new gcp.compute.ManagedSslCertificate(
      `${name}-cert`,
      { managed: { domains: hosts } },
      // A new certificate must exist before the proxy lets go of the old one.
      { ...child, deleteBeforeReplace: false },
    );
    const httpsProxy = new gcp.compute.TargetHttpsProxy(
      `${name}-https`,
      { urlMap: urlMap.id, sslCertificates: [certificate.id] },
      child,
    );
    const address = new gcp.compute.GlobalAddress(`${name}-ip`, { ipVersion: "IPV4", addressType: "EXTERNAL" }, child);
    new gcp.compute.GlobalForwardingRule(
      `${name}-https`,
      {
        target: httpsProxy.id,
        ipAddress: address.address,
        ipProtocol: "TCP",
        portRange: "443",
        loadBalancingScheme: LOAD_BALANCING_SCHEME,
      },
      child,
    );

    // Port 80 only ever redirects: no backend is reachable over plain HTTP.
    const redirectMap = new gcp.compute.URLMap(
      `${name}-http-redirect`,
      {
        description: "Redirect every plain HTTP request to HTTPS",
        defaultUrlRedirect: {
          httpsRedirect: true,
          stripQuery: false,
          redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT",
        },
      },
      child,
    );
    const httpProxy = new gcp.compute.TargetHttpProxy(`${name}-http`, { urlMap: redirectMap.id }, child);
    new gcp.compute.GlobalForwardingRule(
      `${name}-http`,
      {
        target: httpProxy.id,
        ipAddress: address.address,
        ipProtocol: "TCP",
        portRange: "80",
        loadBalancingScheme: LOAD_BALANCING_SCHEME,
      },
      child,
    );

    this.ipAddress = address.address;
    this.dnsRecords = address.address.apply((ip) =>
      hosts.map((host) => ({ name: host, type: "A" as const, value: ip })),
    );
    this.urls = pulumi.output(Object.fromEntries(hosts.map((host) => [host, `https://${host}`])));
    this.backendServices = pulumi
      .all(services.map((service) => backendFor(service).apply((id) => [service, id] as const)))
      .apply((pairs) => Object.fromEntries(pairs));
    this.registerOutputs({
      ipAddress: this.ipAddress,
      dnsRecords: this.dnsRecords,
      urls: this.urls,
      backendServices: this.backendServices,
    });
  }
}
