#!/usr/bin/env bash
# npm test: the strict type-check and every test, side by side. The type-check is one
# single-threaded process that spends most of its time parsing @pulumi/gcp's type definitions;
# mocha runs its own workers. Either failing fails the whole; extra arguments go to mocha.
#
# The type-check is tsc's own incremental build (`tsc -b`): when no source file changed since
# the last clean check it says so in a fraction of a second, and any change checks the whole
# program again. New packages make the record stale, so it is dropped when the lockfile moves.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
bin=node_modules/.bin
record=.cache/tsbuildinfo

for lockfile in package-lock.json node_modules/.package-lock.json; do
  if [ -f "$record" ] && [ "$lockfile" -nt "$record" ]; then
    rm -f "$record"
  fi
done

"$bin/tsc" -b tsconfig.json --noEmit &
typecheck=$!
"$bin/mocha" "$@"
tests=$?
wait "$typecheck"
typecheck_status=$?
if [ "$typecheck_status" -ne 0 ]; then
  echo "npm test: the type-check (tsc -b --noEmit, strict) failed" >&2
fi
if [ "$tests" -ne 0 ] || [ "$typecheck_status" -ne 0 ]; then
  exit 1
fi
