#!/usr/bin/env bash
# `pulumi up -s local`, creating the stack on first use; see scripts/pulumi-local.sh for where
# the state and secrets live. Extra arguments go to `pulumi up`.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v docker >/dev/null || { echo "error: docker is not installed (see README: Quick start)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "error: the Docker engine is not reachable (is Docker running?)" >&2; exit 1; }

bash scripts/pulumi-local.sh stack select --create local
bash scripts/pulumi-local.sh up --stack local --yes "$@"
