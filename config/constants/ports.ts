/**
 * Ports inside the containers. tempo.yaml, the ingress proxy config, the Docker port
 * mappings and the Cloud Run probes all read them from here, so they cannot disagree.
 */
export const TEMPO_PORTS = {
  /** Query API, `/ready`, `/metrics`. */
  http: 3200,
  /** Tempo's internal gRPC server (querier, frontend workers). Never published. */
  grpc: 9095,
  /** OTLP gRPC receiver. */
  otlpGrpc: 4317,
  /** OTLP HTTP receiver (`POST /v1/traces`). */
  otlpHttp: 4318,
} as const;

export const GRAFANA_PORT = 3000;

/** Tempo's name on the local Docker network. */
export const TEMPO_HOSTNAME = "tempo";

/** Where Tempo keeps everything it writes; one volume mounted here covers all of it. */
export const TEMPO_DATA_DIR = "/var/tempo";

/** Where the Tempo container reads its generated configuration. */
export const TEMPO_CONFIG_DIR = "/etc/tempo";
export const TEMPO_CONFIG_FILE = "tempo.yaml";

/** The one port Cloud Run sends requests to: the ingress proxy in front of Tempo. */
export const INGRESS_PORT = 8080;
