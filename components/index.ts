export * from "./grafanaService";
export * from "./lgtmService";
export * from "./loadBalancerRoute";
export * from "./privateNetwork";
export * from "./tempoService";
export * from "./traceStorage";
