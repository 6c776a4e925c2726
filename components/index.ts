export * from "./grafanaService";
export * from "./lgtmService";
export * from "./loadBalancerRoute";
export * from "./tempoService";
export * from "./traceStorage";
