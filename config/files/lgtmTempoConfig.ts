import { isMap, parseDocument, visit } from "yaml";
import { TEMPO_DATA_DIR, TEMPO_PORTS } from "../constants/ports";
import { TempoSettings, renderTempoYaml } from "./tempoConfig";

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
  /** Everything Tempo writes, on the image's /data volume. */
  dataDir: "/data/tempo",
  grpcPort: 9096,
  otlpGrpcEndpoint: "127.0.0.1:4417",
  otlpHttpEndpoint: "127.0.0.1:4418",
  memberlist: { bindAddr: "127.0.0.1", bindPort: 7947 },
  /** The bundled Prometheus (`--web.enable-remote-write-receiver`), where the image's Tempo sends metrics. */
  prometheusRemoteWriteUrl: "http://127.0.0.1:9090/api/v1/write",
} as const;

/**
 * Every path Tempo 3.0.3 writes in monolithic mode, by its config key: the keys whose defaults
 * lie under /var/tempo (`modules/livestore/config.go`, `modules/backendscheduler/config.go`,
 * `modules/storage/config.go`) and the local block store and generator WAL, which have none.
 * Each is set explicitly under `LGTM_TEMPO.dataDir`, so none falls back to a default outside
 * the volume even if the builder stopped naming it.
 */
export const LGTM_TEMPO_PATHS: readonly { readonly key: readonly string[]; readonly path: string }[] = [
  { key: ["storage", "trace", "wal", "path"], path: `${LGTM_TEMPO.dataDir}/wal` },
  { key: ["storage", "trace", "local", "path"], path: `${LGTM_TEMPO.dataDir}/blocks` },
  { key: ["live_store", "wal", "path"], path: `${LGTM_TEMPO.dataDir}/live-store/traces` },
  { key: ["live_store", "shutdown_marker_dir"], path: `${LGTM_TEMPO.dataDir}/live-store/shutdown-marker` },
  { key: ["backend_scheduler", "local_work_path"], path: LGTM_TEMPO.dataDir },
];

/** The metrics generator's WAL, set when the builder configures the generator. */
export const LGTM_GENERATOR_WAL_KEY = ["metrics_generator", "storage", "path"] as const;

/**
 * The builder's tempo.yaml (`renderTempoYaml`: the same retention, usage reporting, metrics and
 * durability as the split mode), placed for the otel-lgtm image: its listeners as the image's
 * own tempo-config.yaml has them, and every path under /data/tempo, on the volume. Only a
 * Tempo 3.0 configuration is accepted: that is the line the image bundles.
 */
export function renderLgtmTempoYaml(settings: TempoSettings): string {
  if (settings.release.line !== "3.0" || settings.backend.kind !== "local") {
    throw new Error(
      `grafana/otel-lgtm runs Tempo 3.0 on its local disk; got Tempo ${settings.release.version} with a ${settings.backend.kind} backend`,
    );
  }
  const doc = parseDocument(renderTempoYaml(settings));
  if (!isMap(doc.contents) || doc.errors.length > 0) {
    throw new Error(`the builder's tempo.yaml did not parse: ${doc.errors.map((e) => e.message).join("; ")}`);
  }
  // Any other path the builder writes under the split mode's data directory moves too.
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && isUnder(node.value, TEMPO_DATA_DIR)) {
        node.value = LGTM_TEMPO.dataDir + node.value.slice(TEMPO_DATA_DIR.length);
      }
    },
  });
  for (const { key, path } of LGTM_TEMPO_PATHS) {
    doc.setIn(key, path);
  }
  if (doc.hasIn(["metrics_generator"])) {
    doc.setIn(LGTM_GENERATOR_WAL_KEY, `${LGTM_TEMPO.dataDir}/generator/wal`);
  }
  doc.setIn(["server", "grpc_listen_port"], LGTM_TEMPO.grpcPort);
  doc.setIn(["distributor", "receivers", "otlp", "protocols", "grpc", "endpoint"], LGTM_TEMPO.otlpGrpcEndpoint);
  doc.setIn(["distributor", "receivers", "otlp", "protocols", "http", "endpoint"], LGTM_TEMPO.otlpHttpEndpoint);
  doc.setIn(["memberlist", "bind_addr"], doc.createNode([LGTM_TEMPO.memberlist.bindAddr]));
  doc.setIn(["memberlist", "bind_port"], LGTM_TEMPO.memberlist.bindPort);
  doc.setIn(["querier", "frontend_worker", "frontend_address"], `127.0.0.1:${LGTM_TEMPO.grpcPort}`);
  const placed = doc.toString({ lineWidth: 0 });
  const note =
    `# Placed for grafana/otel-lgtm by config/files/lgtmTempoConfig.ts: the image's listeners ` +
    `(query API ${TEMPO_PORTS.http}, OTLP on ${LGTM_TEMPO.otlpGrpcEndpoint} and ${LGTM_TEMPO.otlpHttpEndpoint} ` +
    `behind the bundled collector), every path under ${LGTM_TEMPO.dataDir}.\n`;
  return note + placed;
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}
