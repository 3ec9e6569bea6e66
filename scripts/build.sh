#!/usr/bin/env bash
# Configures and builds steptree (Release) into build/: `scripts/build.sh` builds everything
# (the program and the test suite), `scripts/build.sh steptree` only the program (what
# scripts/demo.sh needs).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
if (( $# > 0 )); then
  for target in "$@"; do cmake --build build -j "$(nproc)" --target "$target"; done
else
  cmake --build build -j "$(nproc)"
fi
