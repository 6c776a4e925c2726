export * from "./endpoints";
export * from "./grafana";
export * from "./metrics";
export * from "./search";
export * from "./spanExport";
export * from "./traceStored";
export * from "./types";
