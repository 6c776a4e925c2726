#!/usr/bin/env bash
# Brings up the local stack with no Pulumi Cloud account: state in a folder of your own,
# secrets (the generated Grafana password) under PULUMI_CONFIG_PASSPHRASE (empty unless set).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in pulumi docker; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is not installed (see README: Prerequisites)" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "error: the Docker engine is not reachable (is Docker running?)" >&2; exit 1; }

state_dir="${PULUMI_LOCAL_STATE_DIR:-$HOME/.pulumi-local}"
mkdir -p "$state_dir"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$state_dir}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"

pulumi stack select --create local
pulumi up --stack local --yes "$@"
