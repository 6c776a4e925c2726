#!/usr/bin/env bash
# `pulumi up -s local`, creating the stack on first use; see scripts/pulumi-local.sh for where
# the state and secrets live. Extra arguments go to `pulumi up`.
#
# Before it: the Docker engine must be reachable where the Pulumi Docker provider looks for it,
# and a change of tracing:mode is carried out by removing the old mode's containers first.
set -euo pipefail
cd "$(dirname "$0")/.."
pulumi_local() { bash scripts/pulumi-local.sh "$@"; }

command -v docker >/dev/null || { echo "error: docker is not installed (see README: Quick start)" >&2; exit 1; }

pulumi_local stack select --create local >/dev/null

# The provider does not read the Docker CLI's context: it takes docker:host, else DOCKER_HOST,
# else /var/run/docker.sock, then ~/.docker/run/docker.sock and ~/.docker/desktop/docker.sock
# (pulumi-docker provider/image.go, configureDockerClient). Check the daemon exactly there.
reachable() { docker -H "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
configured_host=$(pulumi_local config get docker:host -s local 2>/dev/null || true)
provider_host=""
for candidate in "$configured_host" "${DOCKER_HOST:-}" unix:///var/run/docker.sock \
  "unix://$HOME/.docker/run/docker.sock" "unix://$HOME/.docker/desktop/docker.sock"; do
  if [ -n "$candidate" ]; then
    if reachable "$candidate"; then provider_host=$candidate; fi
    # An explicit host (config or DOCKER_HOST) is the only one the provider tries.
    if [ -n "$provider_host" ] || [ "$candidate" = "$configured_host" ] || [ "$candidate" = "${DOCKER_HOST:-}" ]; then break; fi
  fi
done
if [ -z "$provider_host" ]; then
  context_host=$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null || true)
  if [ -n "$context_host" ] && reachable "$context_host"; then
    {
      echo "error: the Docker CLI reaches a daemon through its context ($context_host), but the Pulumi"
      echo "Docker provider does not read CLI contexts (Colima, Podman, Rancher Desktop, ...). Tell it where:"
      echo "  export DOCKER_HOST=$context_host"
      echo "or, for this stack only:"
      echo "  npm run pulumi:local -- config set docker:host $context_host -s local"
    } >&2
  else
    echo "error: no Docker engine answers${configured_host:+ at docker:host=$configured_host}${DOCKER_HOST:+ at DOCKER_HOST=$DOCKER_HOST} (is Docker running?)" >&2
  fi
  exit 1
fi

# Pulumi creates new containers before it deletes old ones, and both modes publish the same host
# ports, so a mode switch removes the running mode's resources first. The trace volumes are kept
# (retainOnDelete); the program itself refuses the switch when run without this script.
running_mode=$(pulumi_local stack output localMode -s local 2>/dev/null || true)
wanted_mode=$(pulumi_local config get tracing:mode -s local 2>/dev/null || echo split)
if [ -n "$running_mode" ] && [ "$running_mode" != "$wanted_mode" ]; then
  echo "tracing:mode changes from $running_mode to $wanted_mode: removing the $running_mode containers first (trace volumes stay)"
  pulumi_local destroy --stack local --yes
fi

pulumi_local up --stack local --yes "$@"
