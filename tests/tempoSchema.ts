import { TempoLine } from "../config/constants/tempoReleases";

/*
 * The config keys each Tempo line parses, written down independently of the builder from the
 * yaml struct tags at the release tags (cmd/tempo/app/config.go and the modules' config.go at
 * grafana/tempo v3.0.3 and v2.10.8). Tempo refuses unknown keys, so the builder must write
 * nothing outside these. Only the keys this project has a use for are listed.
 */
const COMMON = [
  "target",
  "stream_over_http_enabled",
  "shutdown_delay",
  "server",
  "server.http_listen_port",
  "server.grpc_listen_port",
  "server.log_level",
  "server.graceful_shutdown_timeout",
  "distributor",
  "distributor.receivers",
  "distributor.receivers.otlp",
  "distributor.receivers.otlp.protocols",
  "distributor.receivers.otlp.protocols.grpc",
  "distributor.receivers.otlp.protocols.grpc.endpoint",
  "distributor.receivers.otlp.protocols.http",
  "distributor.receivers.otlp.protocols.http.endpoint",
  "storage",
  "storage.trace",
  "storage.trace.backend",
  "storage.trace.blocklist_poll",
  "storage.trace.wal",
  "storage.trace.wal.path",
  "storage.trace.local",
  "storage.trace.local.path",
  "storage.trace.gcs",
  "storage.trace.gcs.bucket_name",
  "storage.trace.gcs.prefix",
  "storage.trace.gcs.chunk_buffer_size",
  "storage.trace.gcs.endpoint",
  "storage.trace.gcs.insecure",
  "storage.trace.gcs.hedge_requests_at",
  "storage.trace.gcs.hedge_requests_up_to",
  "storage.trace.gcs.list_blocks_concurrency",
  "storage.trace.block",
  "storage.trace.block.bloom_filter_shard_size_bytes",
  "memberlist",
  "memberlist.leave_timeout",
  "memberlist.broadcast_timeout_for_local_updates_on_shutdown",
  "metrics_generator",
  "metrics_generator.registry",
  "metrics_generator.registry.external_labels",
  "metrics_generator.registry.external_labels.source",
  "metrics_generator.registry.external_labels.environment",
  "metrics_generator.storage",
  "metrics_generator.storage.path",
  "metrics_generator.storage.remote_write",
  "metrics_generator.storage.remote_write[].url",
  "metrics_generator.storage.remote_write[].send_exemplars",
  "metrics_generator.storage.remote_write_flush_deadline",
  "query_frontend",
  "query_frontend.query_end_cutoff",
  "query_frontend.search",
  "query_frontend.search.query_backend_after",
  "query_frontend.metrics",
  "query_frontend.metrics.max_duration",
  "query_frontend.metrics.max_intervals",
  "overrides",
  "overrides.defaults",
  "overrides.defaults.metrics_generator",
  "overrides.defaults.metrics_generator.processors",
  "overrides.defaults.ingestion",
  "overrides.defaults.ingestion.rate_limit_bytes",
  "overrides.defaults.ingestion.burst_size_bytes",
  "overrides.defaults.global",
  "overrides.defaults.global.max_bytes_per_trace",
  "usage_report",
  "usage_report.reporting_enabled",
];

const ONLY_3_0 = [
  "live_store",
  "live_store.wal",
  "live_store.wal.path",
  "live_store.shutdown_marker_dir",
  "live_store.flush_check_period",
  "live_store.max_trace_idle",
  "live_store.max_trace_live",
  "live_store.max_block_duration",
  "live_store.max_block_bytes",
  "live_store.complete_block_concurrency",
  "live_store.complete_block_timeout",
  "live_store.flush_op_timeout",
  "live_store.block_reclaim_grace",
  "live_store.max_live_traces_bytes",
  "backend_scheduler",
  "backend_scheduler.local_work_path",
  "backend_scheduler.backend_flush_interval",
  "backend_scheduler.provider",
  "backend_scheduler.provider.compaction",
  "backend_scheduler.provider.compaction.compaction",
  "backend_scheduler.provider.compaction.compaction.block_retention",
  "backend_worker",
  "backend_worker.finish_on_shutdown_timeout",
  "backend_worker.compaction",
  "backend_worker.compaction.block_retention",
];

const ONLY_2_10 = [
  "metrics_generator.traces_storage",
  "metrics_generator.traces_storage.path",
  "metrics_generator.processor",
  "metrics_generator.processor.local_blocks",
  "metrics_generator.processor.local_blocks.filter_server_spans",
  "metrics_generator.processor.local_blocks.flush_to_storage",
  "ingester",
  "ingester.flush_all_on_shutdown",
  "ingester.trace_idle_period",
  "ingester.flush_check_period",
  "ingester.max_block_duration",
  "compactor",
  "compactor.compaction",
  "compactor.compaction.block_retention",
];

/**
 * Keys lgtm mode's placement adds (config/files/lgtmTempoConfig.ts) to the lists above, read
 * from grafana/tempo v3.0.3: cmd/tempo/app/config.go (`memberlist`, `querier`),
 * dskit kv/memberlist/tcp_transport.go (`bind_addr`, `bind_port`), modules/querier/config.go
 * (`frontend_worker`) and modules/querier/worker/worker.go (`frontend_address`).
 */
export const PLACEMENT_KEYS: readonly string[] = [
  "memberlist.bind_addr",
  "memberlist.bind_port",
  "querier",
  "querier.frontend_worker",
  "querier.frontend_worker.frontend_address",
];

export const ACCEPTED_KEYS: Record<TempoLine, ReadonlySet<string>> = {
  "3.0": new Set([...COMMON, ...ONLY_3_0]),
  "2.10": new Set([...COMMON, ...ONLY_2_10]),
};

/** Every key path of a YAML document, lists flattened to their items' keys, as ACCEPTED_KEYS spells them. */
export function keyPaths(node: unknown, prefix = ""): string[] {
  if (Array.isArray(node)) {
    return node.flatMap((item) => keyPaths(item, `${prefix}[]`));
  }
  if (node !== null && typeof node === "object") {
    return Object.entries(node).flatMap(([key, value]) => {
      const here = prefix ? `${prefix}.${key}` : key;
      return [here, ...keyPaths(value, here)];
    });
  }
  return [];
}
