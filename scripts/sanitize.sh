#!/usr/bin/env bash
# Sanitizer builds of steptree's libraries and their tests (cmake/sanitize_build.cmake):
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer): every test file
#         of the torch-free side and the engine, model, training and value-head files, in
#         build-asan/
#   tsan  ThreadSanitizer: the search runner, MCTS, DVTS and countdown-search test files
#         (threads, virtual loss, cross-tree batching on the fake backend) and the prefix
#         cache, policy backend and tool-call files (the same on the real engine), in
#         build-tsan/
# Usage: scripts/sanitize.sh [asan] [tsan]   (both when none is named). Any report fails
# the run: the sanitizers halt on the first error and the test exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
presets=("$@")
if ((${#presets[@]} == 0)); then presets=(asan tsan); fi
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp"
for preset in "${presets[@]}"; do
  case "$preset" in asan | tsan) ;; *) echo "scripts/sanitize.sh: unknown preset '$preset' (asan or tsan)" >&2; exit 2 ;; esac
  echo "== sanitizer build: $preset"
  cmake --preset "$preset" > /dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
  ctest --preset "$preset" -j "$(nproc)"
done
