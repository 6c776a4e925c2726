import { stringify } from "yaml";
import { TEMPO_DATA_DIR, TEMPO_PORTS } from "../constants/ports";
import { TempoRelease } from "../constants/tempoReleases";

/** Trace blocks on the container's own disk (the local stack's named volume). */
export interface LocalBackend {
  readonly kind: "local";
}

/** Trace blocks in a GCS bucket (`storage.trace.gcs`; the same fields in 2.10 and 3.0). */
export interface GcsBackend {
  readonly kind: "gcs";
  readonly bucketName: string;
  /** Object prefix for every block, e.g. "traces/". */
  readonly prefix: string;
  /** Upload buffer in bytes. */
  readonly chunkBufferSize: number;
  /** Concurrent listings when polling the blocklist. */
  readonly listBlocksConcurrency: number;
  /** A read slower than this is sent again (Go duration). */
  readonly hedgeRequestsAt: string;
  readonly hedgeRequestsUpTo: number;
  /** A GCS-compatible server for tests; unset means Google's endpoint. */
  readonly endpoint?: string;
  readonly insecure?: boolean;
}

export type TraceBackend = LocalBackend | GcsBackend;

/**
 * How quickly Tempo moves traces to the block store and how long it waits on shutdown.
 * `standard` keeps the release's defaults (a persistent disk holds the WAL); `ephemeral`
 * is for a disk that vanishes with the instance (Cloud Run), where only the bucket counts.
 */
export type DurabilityProfile = "standard" | "ephemeral";

/** Everything that varies between the tempo.yaml files this project writes. */
export interface TempoSettings {
  readonly release: TempoRelease;
  readonly backend: TraceBackend;
  readonly retentionDays: number;
  readonly durability: DurabilityProfile;
  /** Labels on every generated metric series. */
  readonly externalLabels: Readonly<Record<string, string>>;
  /** Prometheus remote-write URL; the metrics generator is only configured with one. */
  readonly metricsRemoteWriteUrl: string | undefined;
  readonly usageReporting: boolean;
}

/** The GCS tuning the guide recommends (Part 2, step 3). */
export const GUIDE_GCS_TUNING = {
  prefix: "traces/",
  chunkBufferSize: 10 * 1024 * 1024,
  listBlocksConcurrency: 3,
  hedgeRequestsAt: "500ms",
  hedgeRequestsUpTo: 2,
} as const;

/**
 * Hours Tempo's retention runs ahead of the bucket lifecycle. Tempo deletes expired blocks on
 * an hourly retention pass and forgets compacted ones an hour later; the bucket deletes objects
 * by creation time, which is never earlier than the data in them. With this headroom Tempo has
 * always dropped a block from its index before the bucket removes any of its objects.
 */
export const RETENTION_HEADROOM_HOURS = 3;

/** Tempo's `block_retention` for a retention of `days` (e.g. 30 → "717h"). */
export function blockRetention(days: number): string {
  return `${Math.max(days * 24 - RETENTION_HEADROOM_HOURS, 1)}h`;
}

/** Paths under the data directory; a volume mounted at TEMPO_DATA_DIR holds all of them. */
export const TEMPO_PATHS = {
  wal: `${TEMPO_DATA_DIR}/wal`,
  blocks: `${TEMPO_DATA_DIR}/blocks`,
  liveStoreWal: `${TEMPO_DATA_DIR}/live-store/traces`,
  shutdownMarkers: `${TEMPO_DATA_DIR}/live-store/shutdown-marker`,
  schedulerWork: TEMPO_DATA_DIR,
  generatorWal: `${TEMPO_DATA_DIR}/generator/wal`,
} as const;

type Yaml = { [key: string]: YamlValue };
type YamlValue = string | number | boolean | readonly YamlValue[] | Yaml;

/** The tempo.yaml document, as a plain object, for the settings' release. */
export function buildTempoConfig(settings: TempoSettings): Yaml {
  const retention = blockRetention(settings.retentionDays);
  const ephemeral = settings.durability === "ephemeral";
  const common: Yaml = {
    stream_over_http_enabled: true,
    ...(ephemeral ? EPHEMERAL_TOP_LEVEL : {}),
    server: {
      http_listen_port: TEMPO_PORTS.http,
      grpc_listen_port: TEMPO_PORTS.grpc,
      log_level: "info",
      ...(ephemeral ? EPHEMERAL_SERVER : {}),
    },
    distributor: {
      receivers: {
        otlp: {
          protocols: {
            // The receivers default to localhost, unreachable from outside the container.
            grpc: { endpoint: `0.0.0.0:${TEMPO_PORTS.otlpGrpc}` },
            http: { endpoint: `0.0.0.0:${TEMPO_PORTS.otlpHttp}` },
          },
        },
      },
    },
    storage: { trace: traceStorage(settings.backend) },
    ...(ephemeral ? { memberlist: EPHEMERAL_MEMBERLIST } : {}),
    ...metricsGenerator(settings),
    usage_report: { reporting_enabled: settings.usageReporting },
  };
  return settings.release.line === "3.0"
    ? { ...common, ...tempo30(retention, settings.durability) }
    : { ...common, ...tempo210(retention, settings.durability) };
}

/** tempo.yaml as text: the only place this project writes Tempo configuration. */
export function renderTempoYaml(settings: TempoSettings): string {
  const header = `# Generated for Tempo ${settings.release.version} by config/files/tempoConfig.ts. Do not edit.\n`;
  return header + stringify(buildTempoConfig(settings), { lineWidth: 0 });
}

function traceStorage(backend: TraceBackend): Yaml {
  const wal = { path: TEMPO_PATHS.wal };
  if (backend.kind === "local") {
    return { backend: "local", wal, local: { path: TEMPO_PATHS.blocks } };
  }
  const gcs: Yaml = {
    bucket_name: backend.bucketName,
    prefix: backend.prefix,
    chunk_buffer_size: backend.chunkBufferSize,
    list_blocks_concurrency: backend.listBlocksConcurrency,
    hedge_requests_at: backend.hedgeRequestsAt,
    hedge_requests_up_to: backend.hedgeRequestsUpTo,
    ...(backend.endpoint !== undefined ? { endpoint: backend.endpoint } : {}),
    ...(backend.insecure !== undefined ? { insecure: backend.insecure } : {}),
  };
  return { backend: "gcs", wal, gcs };
}

/**
 * The metrics generator only does work with a storage path and a processor list, and only
 * sends anything with a remote-write URL. The guide points it at a Prometheus that does not
 * exist, so without a configured URL the whole block is left out.
 */
function metricsGenerator(settings: TempoSettings): Yaml {
  if (settings.metricsRemoteWriteUrl === undefined) {
    return {};
  }
  return {
    metrics_generator: {
      registry: { external_labels: { ...settings.externalLabels } },
      storage: {
        path: TEMPO_PATHS.generatorWal,
        remote_write: [{ url: settings.metricsRemoteWriteUrl, send_exemplars: true }],
        // Unsent samples are given up quickly on shutdown rather than holding Tempo for a minute.
        ...(settings.durability === "ephemeral" ? { remote_write_flush_deadline: "2s" } : {}),
      },
    },
    overrides: { defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics"] } } },
  };
}

/**
 * Tempo 3.0: no ingester or compactor. The live-store holds recent traces and writes blocks;
 * the backend worker enforces retention (the scheduler's copy is what Tempo's docs also set).
 */
function tempo30(retention: string, durability: DurabilityProfile): Yaml {
  return {
    live_store: {
      wal: { path: TEMPO_PATHS.liveStoreWal },
      shutdown_marker_dir: TEMPO_PATHS.shutdownMarkers,
      ...(durability === "ephemeral" ? EPHEMERAL_LIVE_STORE : {}),
    },
    backend_scheduler: {
      local_work_path: TEMPO_PATHS.schedulerWork,
      provider: { compaction: { compaction: { block_retention: retention } } },
    },
    backend_worker: {
      compaction: { block_retention: retention },
      ...(durability === "ephemeral" ? EPHEMERAL_BACKEND_WORKER : {}),
    },
  };
}

/** Tempo 2.10: the ingester cuts blocks, the compactor enforces retention. */
function tempo210(retention: string, durability: DurabilityProfile): Yaml {
  return {
    ...(durability === "ephemeral" ? { ingester: EPHEMERAL_INGESTER } : {}),
    compactor: { compaction: { block_retention: retention } },
  };
}

/*
 * The ephemeral profile. On Cloud Run the disk is memory: SIGTERM, then SIGKILL 10 s later,
 * and whatever is not in the bucket is gone. Tempo 3.0 writes nothing to the bucket on
 * shutdown (the live-store abandons its WAL for a replay that never comes), so traces must
 * reach the bucket within seconds in steady state, and every shutdown wait must be short.
 * Read from modules/livestore, modules/backendworker and cmd/tempo/app at v3.0.3.
 */

/** Keep cutting and uploading blocks for 3 s after SIGTERM while /ready reports not-ready. */
const EPHEMERAL_TOP_LEVEL: Yaml = { shutdown_delay: "3s" };

/** The HTTP server's drain (default 30 s) must fit the 10 s window. */
const EPHEMERAL_SERVER: Yaml = { graceful_shutdown_timeout: "2s" };

/** A lone instance has nobody to tell it is leaving; don't wait 20 s trying. */
const EPHEMERAL_MEMBERLIST: Yaml = { leave_timeout: "2s", broadcast_timeout_for_local_updates_on_shutdown: "1s" };

/**
 * Move a trace to the WAL 1 s after its last span (2 s at most for a trace still growing),
 * check every second, and cut a block on every check that has data (a block duration below
 * the check period, so a cut never slips a tick). A trace is in the bucket about 3-5 s after
 * its last span. The price is up to one small block a second while traffic flows; the
 * in-process compactor merges them.
 */
const EPHEMERAL_LIVE_STORE: Yaml = {
  flush_check_period: "1s",
  max_trace_idle: "1s",
  max_trace_live: "2s",
  max_block_duration: "500ms",
  complete_block_concurrency: 4,
};

/** The backend worker otherwise keeps asking the stopped scheduler for jobs for 30 s. */
const EPHEMERAL_BACKEND_WORKER: Yaml = { finish_on_shutdown_timeout: "1s" };

/**
 * Tempo 2.10's ingester can flush everything to the bucket on shutdown; its steady-state
 * flush is jittered by up to 10 s, so the shutdown flush is what makes traces durable.
 */
const EPHEMERAL_INGESTER: Yaml = { flush_all_on_shutdown: true };
