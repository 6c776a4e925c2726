/**
 * Pinned container images other than Tempo's (Tempo's tag comes from tempoReleases.ts).
 * Never `latest`: a tag that moves under a stack makes `pulumi up` change what runs
 * without a change in review.
 */
export const IMAGES = {
  /** Grafana OSS. */
  grafana: "grafana/grafana:13.2.0",
  /** The all-in-one image of the guide's option A (bundles Grafana 13.1.3, Tempo, Loki, Prometheus). */
  lgtm: "grafana/otel-lgtm:0.31.0",
  /** The ingress proxy in front of Tempo on Cloud Run (config/files/proxyConfig.ts). */
  ingressProxy: "nginx:1.28.0-alpine",
  /** The curl project's image: sh and curl for the access check (config/files/accessCheck.ts). */
  accessCheck: "curlimages/curl:8.22.0",
} as const;

/**
 * What `IMAGES.lgtm` runs inside: `GRAFANA_VERSION` and `TEMPO_VERSION` in grafana/docker-otel-lgtm's
 * `docker/Dockerfile` at the image's tag (v0.31.0). lgtm mode writes tempo.yaml for this Tempo, so
 * whoever moves the lgtm tag reads the new Dockerfile and moves these with it.
 */
export const LGTM_BUNDLED = { grafana: "13.1.3", tempo: "3.0.3" } as const;
