import { TempoPlacement } from "./tempoConfig";

/**
 * How grafana/otel-lgtm (0.31.0, `docker/`) runs Tempo, read from the image's source:
 * `run-tempo.sh` starts `./tempo/tempo --config.file=./tempo-config.yaml` in /otel-lgtm, and
 * the image's `tempo-config.yaml` moves Tempo's listeners aside, because the bundled
 * OpenTelemetry Collector owns 4317/4318 (and forwards traces to Tempo on 127.0.0.1:4418),
 * Loki keeps its default gRPC port 9095 (dskit's, Loki v3.7.6) and Pyroscope takes 9097.
 */
export const LGTM_TEMPO = {
  /** The file the image's Tempo reads; ours replaces the image's own. */
  configFile: "/otel-lgtm/tempo-config.yaml",
  /** The bundled Prometheus (`--web.enable-remote-write-receiver`), where the image's Tempo sends metrics. */
  prometheusRemoteWriteUrl: "http://127.0.0.1:9090/api/v1/write",
} as const;

/**
 * Tempo inside the otel-lgtm image: the image's own listeners, and every path Tempo writes under
 * /data/tempo, on the image's /data volume (the image's own file named only the WAL and blocks,
 * so the live-store's recent traces stayed in /var/tempo and died with a replaced container).
 */
export const LGTM_PLACEMENT: TempoPlacement = {
  dataDir: "/data/tempo",
  grpcPort: 9096,
  otlpGrpcEndpoint: "127.0.0.1:4417",
  otlpHttpEndpoint: "127.0.0.1:4418",
  memberlist: { bindAddr: "127.0.0.1", bindPort: 7947 },
  frontendAddress: "127.0.0.1:9096",
};
