#!/usr/bin/env bash
# The test command: a release build (the CPU references in the tests are plain Swift loops, far
# faster optimised), with testing enabled for @testable imports, then every test. The run ends
# with the count of skipped tests and why, so a green run that tested little shows it.
# `CI=true bash Tools/test.sh` makes a missing model or golden file a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --build-tests -Xswiftc -enable-testing
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test -c release --skip-build -Xswiftc -enable-testing "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
marker="augur-test-skipped:"
skipped=$(grep -o "$marker.*" "$log" | sed "s/^$marker //" | sort -u || true)
count=$(printf '%s' "$skipped" | grep -c . || true)
if [ "$count" -gt 0 ]; then
  echo "$count tests skipped:"
  printf '%s\n' "$skipped" | sed 's/^/  /'
else
  echo "0 tests skipped"
fi
exit "$status"
