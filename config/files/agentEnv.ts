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

/** The variable the agent's OTLP headers travel in (the OpenTelemetry exporters read it). */
export const OTLP_HEADERS_VARIABLE = "OTEL_EXPORTER_OTLP_HEADERS";

/** One entry of a Cloud Run v2 container's `envs`, as @pulumi/gcp's cloudrunv2.Service takes it. */
export type CloudRunEnv =
  | { readonly name: string; readonly value: string }
  | {
      readonly name: string;
      readonly valueSource: { readonly secretKeyRef: { readonly secret: string; readonly version: string } };
    };

/**
 * The agent's environment for a Cloud Run service, exactly as a `containers[].envs` list: the
 * plain variables, and the OTLP headers from the Secret Manager secret (its `latest` version),
 * never the token itself. The service's account must be allowed to read that secret.
 */
export function agentCloudRunEnvs(variables: Readonly<Record<string, string>>, headersSecret: string): CloudRunEnv[] {
  return [
    ...Object.entries(variables).map(([name, value]) => ({ name, value })),
    { name: OTLP_HEADERS_VARIABLE, valueSource: { secretKeyRef: { secret: headersSecret, version: "latest" } } },
  ];
}

/** The same for `gcloud run deploy` / `gcloud run services update`. */
export function agentGcloudFlags(variables: Readonly<Record<string, string>>, headersSecret: string): string {
  const plain = Object.entries(variables)
    .map(([name, value]) => `${name}=${value}`)
    .join(",");
  return `--update-env-vars=${plain} --update-secrets=${OTLP_HEADERS_VARIABLE}=${headersSecret}:latest`;
}
