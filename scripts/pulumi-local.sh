#!/usr/bin/env bash
# The Pulumi CLI for the local stack, with no Pulumi Cloud account: state in a folder of your
# own (~/.pulumi-local unless PULUMI_BACKEND_URL or PULUMI_LOCAL_STATE_DIR says otherwise), and
# secrets (the generated Grafana password) under your PULUMI_CONFIG_PASSPHRASE or
# PULUMI_CONFIG_PASSPHRASE_FILE; with neither set, an empty passphrase.
#   npm run --silent pulumi:local -- stack output agentDotenv -s local > .env
set -euo pipefail
cd "$(dirname "$0")/.."

command -v pulumi >/dev/null || { echo "error: the Pulumi CLI is not installed (see README: Quick start)" >&2; exit 127; }
state_dir="${PULUMI_LOCAL_STATE_DIR:-$HOME/.pulumi-local}"
mkdir -p "$state_dir"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$state_dir}"
# The CLI reads PULUMI_CONFIG_PASSPHRASE first, even when empty, so it is only set when the
# user has chosen neither (pkg/secrets/passphrase/manager.go, readPassphrase).
if [ -z "${PULUMI_CONFIG_PASSPHRASE+set}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE=""
fi
exec pulumi "$@"
