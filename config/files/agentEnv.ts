/** The agent's environment from the guide's reference table, for a given OTLP endpoint. */
export function agentEnvironment(
  otlpEndpoint: string,
  serviceName: string,
  deploymentEnvironment: string,
): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_SERVICE_NAME: serviceName,
    DEPLOYMENT_ENVIRONMENT: deploymentEnvironment,
  };
}

/** `KEY=value` lines, ready to paste into `.env`. */
export function toDotenv(variables: Readonly<Record<string, string>>): string {
  return Object.entries(variables)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")
    .concat("\n");
}
