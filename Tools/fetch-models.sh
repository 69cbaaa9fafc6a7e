#!/usr/bin/env bash
# Downloads the models the tests use (SmolLM2-135M, Qwen2.5-Coder-0.5B and 1.5B) into the model folder
# (AUGUR_MODELS or ~/.cache/augur/models) with `augur pull`, which checks size and SHA-256.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product augur
for model in smollm2-135m qwen2.5-coder-0.5b qwen2.5-coder-1.5b "$@"; do
  .build/release/augur pull "$model"
done
