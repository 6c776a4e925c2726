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

/**
 * How often the ephemeral 3.0 profile cuts a block and uploads it to the bucket while traffic
 * flows (`live_store.max_block_duration`): bucket writes against what a replacement loses.
 * Tempo 3.0 uploads nothing on shutdown (the last cut's completion is cancelled), so whatever
 * has not been cut by SIGTERM + 5 s is lost when Cloud Run replaces the instance.
 * "30s", Tempo's default: a block is four objects plus its compaction, so at a trace a second
 * this is under twice the class A operations of Tempo's defaults; a replacement can lose the
 * traces of up to the last 25 s before SIGTERM. "2s": nothing accepted before SIGTERM is lost,
 * for about ten times the class A operations. Measured, see docs/capacity.md.
 */
export const BLOCK_UPLOAD_INTERVALS = ["30s", "2s"] as const;
export type BlockUploadInterval = (typeof BLOCK_UPLOAD_INTERVALS)[number];
export const DEFAULT_BLOCK_UPLOAD: BlockUploadInterval = "30s";

/** Where Tempo listens and writes inside its container. */
export interface TempoPlacement {
  /** Every path Tempo writes is under this directory, which a volume holds where it must last. */
  readonly dataDir: string;
  /** Tempo's internal gRPC server (querier and frontend workers). */
  readonly grpcPort: number;
  /** Where the OTLP receivers listen (`host:port`). */
  readonly otlpGrpcEndpoint: string;
  readonly otlpHttpEndpoint: string;
  /** Gossip bound to this address and port; unset: Tempo's defaults. */
  readonly memberlist?: { readonly bindAddr: string; readonly bindPort: number };
  /** The query frontend the querier's workers dial; unset: Tempo finds it on its own gRPC port. */
  readonly frontendAddress?: string;
}

/**
 * Tempo alone in its container (the split mode's and Cloud Run's): the data directory a volume
 * is mounted on, the ports the rest of the project knows, and receivers on every interface
 * (they default to localhost, unreachable from outside the container).
 */
export const CONTAINER_PLACEMENT: TempoPlacement = {
  dataDir: TEMPO_DATA_DIR,
  grpcPort: TEMPO_PORTS.grpc,
  otlpGrpcEndpoint: `0.0.0.0:${TEMPO_PORTS.otlpGrpc}`,
  otlpHttpEndpoint: `0.0.0.0:${TEMPO_PORTS.otlpHttp}`,
};

/** Everything that varies between the tempo.yaml files this project writes. */
export interface TempoSettings {
  readonly release: TempoRelease;
  /** Where Tempo listens and writes. @default CONTAINER_PLACEMENT */
  readonly placement?: TempoPlacement;
  readonly backend: TraceBackend;
  readonly retentionDays: number;
  readonly durability: DurabilityProfile;
  /** The ephemeral 3.0 profile's block cut and upload interval. @default DEFAULT_BLOCK_UPLOAD */
  readonly blockUpload?: BlockUploadInterval;
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
 * The prod stack's GCS tuning: the guide's, but one listing per blocklist poll instead of three.
 * `list_blocks_concurrency` splits each poll's listing into that many list calls
 * (tempodb/backend/gcs/gcs.go ListBlocks at v3.0.3), each a class A operation; one list call
 * returns a thousand block prefixes, far more than a month of compacted blocks here.
 */
export const PROD_GCS_TUNING = { ...GUIDE_GCS_TUNING, listBlocksConcurrency: 1 } as const;

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

/**
 * Every path Tempo writes, named in tempo.yaml, all under one data directory: the keys whose
 * defaults lie under /var/tempo (live-store WAL and shutdown markers, scheduler work, the trace
 * WAL) and the two that have none (local blocks, the generator's WAL). None is left to a default,
 * so a volume on the data directory holds everything, wherever the directory is.
 */
export function tempoPaths(dataDir: string) {
  return {
    wal: `${dataDir}/wal`,
    blocks: `${dataDir}/blocks`,
    liveStoreWal: `${dataDir}/live-store/traces`,
    shutdownMarkers: `${dataDir}/live-store/shutdown-marker`,
    schedulerWork: dataDir,
    generatorWal: `${dataDir}/generator/wal`,
    generatorTraces: `${dataDir}/generator/traces`,
  } as const;
}

type TempoPaths = ReturnType<typeof tempoPaths>;

type Yaml = { [key: string]: YamlValue };
type YamlValue = string | number | boolean | readonly YamlValue[] | Yaml;

/** The tempo.yaml document, as a plain object, for the settings' release. */
export function buildTempoConfig(settings: TempoSettings): Yaml {
  const retention = blockRetention(settings.retentionDays);
  const ephemeral = settings.durability === "ephemeral";
  const placement = settings.placement ?? CONTAINER_PLACEMENT;
  const paths = tempoPaths(placement.dataDir);
  const memberlist: Yaml = {
    ...(placement.memberlist
      ? { bind_addr: [placement.memberlist.bindAddr], bind_port: placement.memberlist.bindPort }
      : {}),
    ...(ephemeral ? EPHEMERAL_MEMBERLIST : {}),
  };
  const common: Yaml = {
    stream_over_http_enabled: true,
    ...(ephemeral ? EPHEMERAL_TOP_LEVEL : {}),
    server: {
      http_listen_port: TEMPO_PORTS.http,
      grpc_listen_port: placement.grpcPort,
      log_level: "info",
      ...(ephemeral ? EPHEMERAL_SERVER : {}),
    },
    distributor: {
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: placement.otlpGrpcEndpoint },
            http: { endpoint: placement.otlpHttpEndpoint },
          },
        },
      },
    },
    storage: { trace: traceStorage(settings.backend, settings.release.line, settings.durability, paths) },
    ...(Object.keys(memberlist).length > 0 ? { memberlist } : {}),
    ...(placement.frontendAddress
      ? { querier: { frontend_worker: { frontend_address: placement.frontendAddress } } }
      : {}),
    query_frontend: queryFrontend(settings.release.line, settings.durability),
    ...metricsGenerator(settings, paths),
    ...overrides(settings),
    usage_report: { reporting_enabled: settings.usageReporting },
  };
  return settings.release.line === "3.0"
    ? { ...common, ...tempo30(retention, settings.durability, settings.blockUpload ?? DEFAULT_BLOCK_UPLOAD, paths) }
    : { ...common, ...tempo210(retention, settings.durability) };
}

/** tempo.yaml as text: the only place this project writes Tempo configuration. */
export function renderTempoYaml(settings: TempoSettings): string {
  const header = `# Generated for Tempo ${settings.release.version} by config/files/tempoConfig.ts. Do not edit.\n`;
  return header + stringify(buildTempoConfig(settings), { lineWidth: 0 });
}

function traceStorage(
  backend: TraceBackend,
  line: TempoRelease["line"],
  durability: DurabilityProfile,
  paths: TempoPaths,
): Yaml {
  const wal = { path: paths.wal };
  if (backend.kind === "local") {
    return { backend: "local", wal, local: { path: paths.blocks } };
  }
  const poll: Yaml =
    line === "3.0" && durability === "ephemeral"
      ? {
          blocklist_poll: PROD_CAPACITY.blocklistPoll,
          block: { bloom_filter_shard_size_bytes: PROD_CAPACITY.bloomShardSizeBytes },
        }
      : {};
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
  return { backend: "gcs", ...poll, wal, gcs };
}

/**
 * The query frontend: a short end cutoff on every profile (SEARCH_FRESHNESS), and on the
 * ephemeral 3.0 profile a live-store/backend split that matches how long the live-store keeps
 * blocks (PROD_CAPACITY).
 */
function queryFrontend(line: TempoRelease["line"], durability: DurabilityProfile): Yaml {
  const split = line === "3.0" && durability === "ephemeral";
  return {
    query_end_cutoff: SEARCH_FRESHNESS.queryEndCutoff,
    ...(split ? { search: { query_backend_after: PROD_CAPACITY.queryBackendAfter } } : {}),
    metrics: { max_duration: TRACEQL_METRICS.maxDuration, max_intervals: TRACEQL_METRICS.maxIntervals },
  };
}

/*
 * TraceQL metrics, for the overview dashboard (config/files/overviewDashboard.ts): every panel
 * over the last 15 minutes and the last 7 days, and its requests counted per one-minute step.
 * Read from modules/frontend/config.go and metrics_query_range_handler.go at v3.0.3 and v2.10.8.
 */
export const TRACEQL_METRICS = {
  /**
   * `query_frontend.metrics.max_duration` (3.0.3 default 24 h, 2.10.8 3 h): a longer range is
   * refused ("exceeds the maximum allowed duration"). A week, and an hour for the time picker's
   * rounding. What it costs: a 7-day query reads every block of the week (docs/capacity.md).
   */
  maxDuration: "169h",
  /**
   * `query_frontend.metrics.max_intervals` (default 10,000): a query with more steps is refused
   * ("step ... is too small"). 7 days of one-minute steps is 10,080; what it costs is the
   * response: at most this many points a series.
   */
  maxIntervals: 10_100,
} as const;

/**
 * Tempo 2.10 answers TraceQL metrics only through the metrics generator's local-blocks processor
 * (modules/generator/processor/localblocks at v2.10.8): the last 30 minutes from the generator,
 * older parts only from blocks the generator wrote to the bucket (replication factor 1;
 * modules/frontend/metrics_query_range_sharder.go), never the ingester's. So it flushes its
 * blocks to storage, or a 7-day panel shows the last half hour (measured: empty 30 minutes after
 * a run without it, the run's traces with it). It keeps every span, not only server spans (its
 * default), because the overview breaks the time down by child span.
 */
const LOCAL_BLOCKS: Yaml = { filter_server_spans: false, flush_to_storage: true };

/**
 * Per-tenant limits (`overrides.defaults`): the metrics generator's processors when it is
 * configured, and on the ephemeral profile the ingestion limits that make Tempo refuse load it
 * cannot hold (HTTP 429) instead of growing until Cloud Run kills it.
 */
function overrides(settings: TempoSettings): Yaml {
  const processors = [
    ...(settings.metricsRemoteWriteUrl !== undefined ? ["service-graphs", "span-metrics"] : []),
    ...(settings.release.line === "2.10" ? ["local-blocks"] : []),
  ];
  const generator: Yaml = processors.length > 0 ? { metrics_generator: { processors } } : {};
  const limits: Yaml =
    settings.durability === "ephemeral"
      ? {
          ingestion: {
            rate_limit_bytes: PROD_CAPACITY.ingestionRateLimitBytes,
            burst_size_bytes: PROD_CAPACITY.ingestionBurstSizeBytes,
          },
          global: { max_bytes_per_trace: PROD_CAPACITY.maxBytesPerTrace },
        }
      : {};
  const defaults: Yaml = { ...generator, ...limits };
  return Object.keys(defaults).length > 0 ? { overrides: { defaults } } : {};
}

/**
 * The metrics generator only does work with a storage path and a processor list, and only
 * sends anything with a remote-write URL. The guide points it at a Prometheus that does not
 * exist, so without a configured URL nothing is sent; on Tempo 2.10 the generator still runs,
 * for the local-blocks processor that answers TraceQL metrics (LOCAL_BLOCKS).
 */
function metricsGenerator(settings: TempoSettings, paths: TempoPaths): Yaml {
  const localBlocks = settings.release.line === "2.10";
  if (settings.metricsRemoteWriteUrl === undefined && !localBlocks) {
    return {};
  }
  const remoteWrite: Yaml =
    settings.metricsRemoteWriteUrl === undefined
      ? {}
      : {
          remote_write: [{ url: settings.metricsRemoteWriteUrl, send_exemplars: true }],
          // Unsent samples are given up quickly on shutdown rather than holding Tempo for a minute.
          ...(settings.durability === "ephemeral" ? { remote_write_flush_deadline: "2s" } : {}),
        };
  return {
    metrics_generator: {
      ...(settings.metricsRemoteWriteUrl !== undefined
        ? { registry: { external_labels: { ...settings.externalLabels } } }
        : {}),
      storage: { path: paths.generatorWal, ...remoteWrite },
      ...(localBlocks
        ? { traces_storage: { path: paths.generatorTraces }, processor: { local_blocks: LOCAL_BLOCKS } }
        : {}),
    },
  };
}

/**
 * Tempo 3.0: no ingester or compactor. The live-store holds recent traces and writes blocks;
 * the backend worker enforces retention (the scheduler's copy is what Tempo's docs also set).
 */
function tempo30(
  retention: string,
  durability: DurabilityProfile,
  blockUpload: BlockUploadInterval,
  paths: TempoPaths,
): Yaml {
  return {
    live_store: {
      wal: { path: paths.liveStoreWal },
      shutdown_marker_dir: paths.shutdownMarkers,
      flush_check_period: SEARCH_FRESHNESS.flushCheckPeriod,
      max_trace_idle: SEARCH_FRESHNESS.traceIdle,
      ...(durability === "ephemeral" ? ephemeralLiveStore(blockUpload) : {}),
    },
    backend_scheduler: {
      local_work_path: paths.schedulerWork,
      provider: { compaction: { compaction: { block_retention: retention } } },
      ...(durability === "ephemeral" ? { backend_flush_interval: PROD_CAPACITY.schedulerFlushInterval } : {}),
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
    ingester: {
      trace_idle_period: SEARCH_FRESHNESS.traceIdle,
      flush_check_period: SEARCH_FRESHNESS.flushCheckPeriod,
      ...(durability === "ephemeral" ? EPHEMERAL_INGESTER : {}),
    },
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

/**
 * Keep cutting and uploading blocks for 5 s after SIGTERM while /ready reports not-ready: long
 * enough for one more block cut (every 2 s) after everything accepted before SIGTERM reached
 * the head block (1 s idle plus a 1 s check), and its upload. Tempo exits about 7 s after
 * SIGTERM (measured, docs/production.md).
 */
const EPHEMERAL_TOP_LEVEL: Yaml = { shutdown_delay: "5s" };

/** The HTTP server's drain (default 30 s) must fit the 10 s window. */
const EPHEMERAL_SERVER: Yaml = { graceful_shutdown_timeout: "2s" };

/** A lone instance has nobody to tell it is leaving; don't wait 20 s trying. */
const EPHEMERAL_MEMBERLIST: Yaml = { leave_timeout: "2s", broadcast_timeout_for_local_updates_on_shutdown: "1s" };

/**
 * The live-store on the ephemeral profile: a trace goes to the head block half a second after
 * its last span (2 s at most for a trace still growing), and a block is cut every
 * `blockUpload` while traffic flows, or as soon as it holds PROD_CAPACITY.maxBlockBytes.
 */
function ephemeralLiveStore(blockUpload: BlockUploadInterval): Yaml {
  return {
    flush_check_period: PROD_CAPACITY.flushCheckPeriod,
    max_trace_idle: PROD_CAPACITY.traceIdle,
    max_trace_live: "2s",
    max_block_duration: blockUpload,
    max_block_bytes: PROD_CAPACITY.maxBlockBytes,
    ...PROD_LIVE_STORE,
  };
}

/** The backend worker otherwise keeps asking the stopped scheduler for jobs for 30 s. */
const EPHEMERAL_BACKEND_WORKER: Yaml = { finish_on_shutdown_timeout: "1s" };

/*
 * Search freshness, every profile and release. A trace is listed by TraceQL search once (a) it
 * has been cut from the live traces into the head block, which search reads (live traces it
 * does not): on the first flush check after it has been idle for max_trace_idle, and (b) the
 * search window, whose end the query frontend pulls back to now − query_end_cutoff and sends
 * in whole seconds, reaches its start. Tempo's defaults (3.0.3: 5 s idle, 5 s check, 30 s
 * cutoff) make that about 31 s. These make it 2 s: config/files/tempoFreshness.ts derives the
 * promise from the document built here. A cutoff below idle + check costs nothing in
 * freshness, so it stays at 1 s rather than 0. Read from modules/frontend, pkg/api/http.go and
 * modules/livestore at v3.0.3 (modules/ingester at v2.10.8); measured, see docs/capacity.md.
 */
export const SEARCH_FRESHNESS = {
  /** `query_frontend.query_end_cutoff` (3.0.3 default 30 s; 2.10.8 none). */
  queryEndCutoff: "1s",
  /** `live_store.max_trace_idle` (3.0), `ingester.trace_idle_period` (2.10); default 5 s. */
  traceIdle: "1s",
  /** `live_store.flush_check_period` (3.0, default 5 s), `ingester.flush_check_period` (2.10, default 10 s). */
  flushCheckPeriod: "1s",
} as const;

/*
 * Capacity and bucket traffic of the ephemeral 3.0 profile (Cloud Run, 1 vCPU, its disk counted
 * as memory). Search reads the live-store for the last query_backend_after and the bucket before
 * that (modules/frontend/search_sharder.go); trace by id reads both always. So a trace stays
 * searchable while its block moves to the bucket if the bucket's blocklist shows the block within
 * query_backend_after of its upload (blocklist_poll plus the upload), and the live-store keeps
 * the block at least query_backend_after after the trace's end (complete_block_timeout, counted
 * from the block's end time, checked every flush_op_timeout; modules/livestore/instance.go
 * deleteOldBlocks). Every poll lists the bucket and writes the tenant index (class A operations),
 * every block is four objects, and everything the live-store keeps locally is memory on Cloud
 * Run: the values below hold a trace a second under twice the class A operations of Tempo's
 * defaults (measured 1.31 times) and 20k spans/s inside 1.5 GiB. Read at v3.0.3; measured, see
 * docs/capacity.md.
 */
export const PROD_CAPACITY = {
  /**
   * `storage.trace.blocklist_poll` (default 5 m): how soon the querier sees a new block in the
   * bucket. Each poll lists the tenants and the blocks (list_blocks_concurrency calls) and writes
   * the tenant index; every 10 s that was 37 class A operations a minute with no traffic at all.
   */
  blocklistPoll: "90s",
  /** `query_frontend.search.query_backend_after` (default 15 m): recent searches read the live-store only; one poll and the upload inside it. */
  queryBackendAfter: "120s",
  /** `live_store.complete_block_timeout` (default 20 m): local copy of an uploaded block, counted from its end. */
  completeBlockTimeout: "130s",
  /** `live_store.flush_op_timeout` (default 5 m): how often expired local blocks are dropped. */
  cleanupPeriod: "10s",
  /** `live_store.block_reclaim_grace` (default 2 m): files outlive their block this long for running queries (>= the querier's 30 s search timeout). */
  blockReclaimGrace: "35s",
  /** `live_store.max_live_traces_bytes` (default 250 MB): pushes wait above this many bytes of uncut traces. */
  maxLiveTracesBytes: 100_000_000,
  /**
   * `live_store.max_block_bytes` (default 50 MiB): at 20k spans/s a block is cut by size about
   * every two seconds, whatever the interval. 3 MiB made so many blocks that reads by id fanned
   * out past the querier's queue (HTTP 429 on 11 of 469 reads); at 8 MiB none of 468 were.
   */
  maxBlockBytes: 8 * 1024 * 1024,
  /**
   * `storage.trace.block.bloom_filter_shard_size_bytes` (default 100 KiB): a shard is that size
   * however few traces its block holds (tempodb/encoding/common/bloom.go), and a read by id
   * fetches one shard of every block. 16 KiB shards: 41 of 484 reads by id refused at 20k
   * spans/s with 100 KiB, 11 of 469 with 16 KiB (3 MiB blocks both times).
   */
  bloomShardSizeBytes: 16 * 1024,
  /**
   * `live_store.max_trace_idle` and `flush_check_period`, tighter than SEARCH_FRESHNESS: at
   * 20k spans/s a fresh trace was listed by search within 3.58 s (p99) with 1 s, 2.46 s with
   * 500 ms. The checks are cheap: a pass over the live traces' index, no bucket operation.
   */
  traceIdle: "500ms",
  flushCheckPeriod: "500ms",
  /**
   * `backend_scheduler.backend_flush_interval` (default 1 m): how often the scheduler writes its
   * job list to the bucket (one class A operation; modules/backendscheduler at v3.0.3). After a
   * restart it resumes from a list up to this old, so a compaction may run twice; no trace is
   * touched by that.
   */
  schedulerFlushInterval: "5m",
  /**
   * `overrides.defaults.ingestion.rate_limit_bytes` (default 30 MB/s): above it, pushes get HTTP
   * 429 (`RATE_LIMITED`), which the OpenTelemetry exporters retry. 20k spans/s of the load
   * command's traces is 4.8 MB/s; 6 MB/s leaves room for uneven export timing.
   */
  ingestionRateLimitBytes: 6_000_000,
  /**
   * `overrides.defaults.ingestion.burst_size_bytes` (default 30 MB): 2.5 s of the rate, so exports
   * bunched after a pause are not refused (at 5 MB/s and a 5 MB burst, one was, and the exporter's
   * 5 s back-off overflowed its queue); far above one export batch (2048 spans, about 0.5 MB).
   */
  ingestionBurstSizeBytes: 15_000_000,
  /** `overrides.defaults.global.max_bytes_per_trace` (default 5 MB): the largest trace kept. */
  maxBytesPerTrace: 5_000_000,
} as const;

/** The live-store's side of PROD_CAPACITY. */
const PROD_LIVE_STORE: Yaml = {
  complete_block_timeout: PROD_CAPACITY.completeBlockTimeout,
  flush_op_timeout: PROD_CAPACITY.cleanupPeriod,
  block_reclaim_grace: PROD_CAPACITY.blockReclaimGrace,
  max_live_traces_bytes: PROD_CAPACITY.maxLiveTracesBytes,
};

/**
 * Tempo 2.10's ingester can flush everything to the bucket on shutdown; its steady-state
 * flush is jittered by up to 10 s, so the shutdown flush is what makes traces durable (measured:
 * nothing lost in a replacement). Its blocks are cut every 10 minutes instead of 30: with the
 * 1 s idle and check periods (SEARCH_FRESHNESS) the WAL holds many small appends, and completing
 * a 30-minute block of a trace a second took Tempo's RSS to 2.79 GB, over a 2 GiB instance (0.41
 * GB with Tempo's defaults); a 10-minute block peaked at 1.53 GB. What it costs: 6 blocks an hour
 * instead of 2 (docs/capacity.md, Tempo 2.10).
 */
const TEMPO_210_BLOCK_DURATION = "10m";
const EPHEMERAL_INGESTER: Yaml = { flush_all_on_shutdown: true, max_block_duration: TEMPO_210_BLOCK_DURATION };

/**
 * Share of the Tempo container's memory limit given to Go's heap as `GOMEMLIMIT`. Cloud Run
 * counts the container's files (its disk is memory) against the same limit, and Go's limit
 * covers neither those nor the memory outside the Go runtime, so half goes to the heap. Measured
 * with the ephemeral profile at 20k spans/s on one core and GOMEMLIMIT=1GiB: RSS plus local
 * files flat at 1.27-1.33 GB (RSS 1.11 GB, files 0.22 GB at the peak), inside 75 % of 2 GiB
 * (docs/capacity.md).
 */
export const GO_MEMORY_LIMIT_SHARE = 0.5;

/**
 * `GOMEMLIMIT` for a Tempo container whose memory limit is `memory` ("2Gi" → "1024MiB"), so the
 * two come from one value and cannot drift. Go's garbage collector works harder as the heap
 * nears it instead of letting it grow past what the container may use.
 */
export function tempoGoMemLimit(memory: string): string {
  const match = /^(\d+)(Mi|Gi)$/.exec(memory);
  if (!match) {
    throw new Error(`tempo memory ${JSON.stringify(memory)}: expected a Cloud Run size such as 2Gi or 1536Mi`);
  }
  const mebibytes = Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
  return `${Math.floor(mebibytes * GO_MEMORY_LIMIT_SHARE)}MiB`;
}
