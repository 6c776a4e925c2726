/** A host port published on one address to a port inside a container. */
export interface PublishedPort {
  readonly internal: number;
  readonly external: number;
}

/** Docker port mappings, every one bound to `bindAddress` (127.0.0.1 unless configured). */
export function publish(bindAddress: string, ports: readonly PublishedPort[]) {
  return ports.map((port) => ({ internal: port.internal, external: port.external, ip: bindAddress, protocol: "tcp" }));
}

/** URL host for a bind address: a wildcard bind is reached through localhost. */
export function hostFor(bindAddress: string): string {
  return bindAddress === "0.0.0.0" ? "localhost" : bindAddress;
}
