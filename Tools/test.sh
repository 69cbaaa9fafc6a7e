#!/usr/bin/env bash
# The test command: a release build (the CPU references in the tests are plain Swift loops, far
# faster optimised), with testing enabled for @testable imports, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --build-tests -Xswiftc -enable-testing
swift test -c release --skip-build -Xswiftc -enable-testing "$@"
