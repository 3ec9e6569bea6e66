#!/usr/bin/env bash
# Fresh machine -> set up, build, run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh steptree  # the program only: the demo runs no test
build/steptree demo "$@"
