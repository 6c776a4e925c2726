export * from "./grafanaService";
export * from "./lgtmService";
export * from "./tempoService";
export * from "./traceStorage";
