#!/usr/bin/env bash
# npm test: the strict type-check and every test, side by side. The type-check is one
# single-threaded process that spends most of its time parsing @pulumi/gcp's type definitions;
# mocha runs its own workers. Either failing fails the whole; extra arguments go to mocha.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
bin=node_modules/.bin

"$bin/tsc" --noEmit -p tsconfig.json &
typecheck=$!
"$bin/mocha" "$@"
tests=$?
wait "$typecheck"
typecheck_status=$?
if [ "$typecheck_status" -ne 0 ]; then
  echo "npm test: the type-check (tsc --noEmit, strict) failed" >&2
fi
if [ "$tests" -ne 0 ] || [ "$typecheck_status" -ne 0 ]; then
  exit 1
fi
