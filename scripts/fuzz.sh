#!/usr/bin/env bash
# Fuzzes every parser of outside input (fuzz/fuzz_targets.h) with libFuzzer, AddressSanitizer
# and UndefinedBehaviorSanitizer.
#
#   scripts/fuzz.sh [SECONDS]     SECONDS in all (default 600), shared by the targets
#
# Configures build-fuzz/ with clang (-DSTEPTREE_FUZZ=ON: no torch, no program), builds the
# fuzz_<target> executables, then runs the targets two at a time (one per core, at most
# nproc), each for SECONDS / ceil(targets / 2), starting from its seed corpus
# (fuzz/corpus/<target>/) and regression inputs (tests/fuzz_regressions/<target>/); the
# corpus it grows stays in build-fuzz/corpus/<target>/. Prints the executions per target.
# A crash, leak, out-of-memory (one malloc over 512 MB, or 2 GB resident) or timeout
# (10 s on one input) is copied to tests/fuzz_regressions/<target>/, which the ordinary
# test suite replays (tests/test_fuzz_regressions.cc); then the script exits 1.
# Needs clang and libclang-rt-14-dev (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
total=${1:-600}
if ! [[ $total =~ ^[0-9]+$ ]] || ((total < 1)); then
  echo "usage: scripts/fuzz.sh [SECONDS]  (SECONDS: a positive whole number, default 600)" >&2
  exit 2
fi
build=build-fuzz

CC=clang CXX=clang++ cmake -S . -B "$build" -DSTEPTREE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)"

targets=()
for exe in "$build"/fuzz_*; do
  [[ -x $exe && -f $exe ]] && targets+=("$(basename "$exe" | sed 's/^fuzz_//')")
done
if ((${#targets[@]} == 0)); then
  echo "fuzz: no fuzz_* executables in $build" >&2
  exit 1
fi
jobs=$(nproc)
((jobs > 2)) && jobs=2
rounds=$(((${#targets[@]} + jobs - 1) / jobs))
share=$((total / rounds))
((share < 1)) && share=1
echo "fuzz: ${#targets[@]} targets, $jobs at a time, ${share}s each"

logs="$build/logs"
mkdir -p "$logs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

run_target() {
  local target=$1
  local corpus="$build/corpus/$target" artifacts="$build/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts" "fuzz/corpus/$target"
  local inputs=("$corpus" "fuzz/corpus/$target")
  [[ -d tests/fuzz_regressions/$target ]] && inputs+=("tests/fuzz_regressions/$target")
  local dict=()
  [[ -f fuzz/dict/$target.dict ]] && dict=("-dict=fuzz/dict/$target.dict")
  "$build/fuzz_$target" -max_total_time="$share" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "${dict[@]}" "${inputs[@]}" >"$logs/$target.log" 2>&1 || true
}

# A pool of $jobs workers over the targets.
running=0
for target in "${targets[@]}"; do
  run_target "$target" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

found=0
printf '%-16s %12s  %s\n' target executions result
for target in "${targets[@]}"; do
  log="$logs/$target.log"
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  result=ok
  shopt -s nullglob
  artifacts=("$build/artifacts/$target/"{crash,leak,timeout,oom}-*)
  shopt -u nullglob
  if ((${#artifacts[@]})); then
    mkdir -p "tests/fuzz_regressions/$target"
    for artifact in "${artifacts[@]}"; do
      cp "$artifact" "tests/fuzz_regressions/$target/"
      rm "$artifact"
    done
    result="FOUND ${#artifacts[@]}: tests/fuzz_regressions/$target/ (log: $log)"
    found=1
  elif ! grep -q 'Done [0-9]* runs' "$log"; then
    result="did not finish (log: $log)"
    found=1
  fi
  printf '%-16s %12s  %s\n' "$target" "${execs:-?}" "$result"
done
exit "$found"
