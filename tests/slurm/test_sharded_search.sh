#!/usr/bin/env bash
# Sharded search on a real Slurm job array (ctest `slurm`; tests/slurm/README.md).
#
#   tests/slurm/test_sharded_search.sh path/to/steptree
#
# Starts a throwaway one-node cluster (scripts/local_slurm.sh) under a mktemp scratch folder,
# then checks that
#   1. `sbatch --wait --array=0-2` of `steptree search --shard auto --shard-count 3` (MCTS),
#      merged with `steptree merge`, is byte-identical to the same search in one process;
#   2. the same for SBS(3,5);
#   3. `steptree evolve --launcher 'sbatch --wait --array={indices} ...' --shards 3` gives the
#      same round metrics as the local evolve (all but the "model" paths) and the same
#      training data (each round's value.jsonl and sft.jsonl).
# Exit 0: passed. Exit 77 (ctest: skipped), printing `SKIPPED: <why>`, when the cluster cannot
# start (not root, Slurm or munge not installed, a daemon fails, the node never goes idle);
# with STEPTREE_REQUIRE_SLURM=1, or under CI=true (scripts/test.sh: a green CI means every
# test ran), that is a failure instead. Exit 1: a check failed; the
# scratch folder is then kept and named. STEPTREE_SLURM_KEEP=1 keeps it always.
set -euo pipefail

if (($# != 1)); then
  echo "usage: $0 STEPTREE_BINARY" >&2
  exit 2
fi
[[ -x $1 && -f $1 ]] || {
  echo "FAILED: no steptree binary at $1" >&2
  exit 1
}
# The job scripts run on the "node": the binary path must be absolute.
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
local_slurm=$root/scripts/local_slurm.sh
python=/usr/bin/python3 # python3-torch (scripts/setup.sh) brings it
[[ -x $python ]] || python=python3

scratch=$(mktemp -d "${TMPDIR:-/tmp}/steptree-slurm.XXXXXX")
cluster=$scratch/cluster
export OMP_NUM_THREADS=1 # jobs inherit it (sbatch --export=ALL): one core per array task

cleanup() {
  local rc=$?
  "$local_slurm" stop "$cluster" || true
  if ((rc == 0 || rc == 77)) && [[ ${STEPTREE_SLURM_KEEP:-0} != 1 ]]; then
    rm -rf "$scratch"
  else
    echo "scratch kept: $scratch"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

fail() {
  echo "FAILED: $*"
  exit 1
}

# now_ms; elapsed START_MS -> "1.23 s"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
elapsed() {
  local ms=$(($(now_ms) - $1))
  printf '%d.%02d s' $((ms / 1000)) $((ms % 1000 / 10))
}

# run NAME CMD...: CMD with stdout in logs/NAME.out and stderr in logs/NAME.err; when it fails,
# the tails of both and exit 1.
logs=$scratch/logs
mkdir -p "$logs"
run() {
  local name=$1 rc=0
  shift
  "$@" >"$logs/$name.out" 2>"$logs/$name.err" || rc=$?
  if ((rc != 0)); then
    echo "FAILED: $* (exit $rc); last lines of logs/$name.out and .err:"
    tail -n 10 "$logs/$name.out" | sed 's/^/  out| /'
    tail -n 20 "$logs/$name.err" | sed 's/^/  err| /'
    exit 1
  fi
}

# Single-quoted for /bin/sh.
sq() {
  local s=${1//\'/\'\\\'\'}
  printf "'%s'" "$s"
}

t_all=$(now_ms)

# --- the cluster ------------------------------------------------------------------------
t=$(now_ms)
if ! why=$("$local_slurm" start "$cluster" 2>&1); then
  why=${why##*$'\n'}
  why=${why#local_slurm: }
  if [[ ${STEPTREE_REQUIRE_SLURM:-0} == 1 || ${CI:-} == true ]]; then
    fail "the cluster did not start (STEPTREE_REQUIRE_SLURM=1 or CI=true: no skip): $why"
  fi
  echo "SKIPPED: $why"
  exit 77
fi
# If this script is killed outright (ctest's timeout kills it and its descendants), a
# watchdog outside its process tree (its own session, parent init) still stops the daemons
# once this shell is gone, then ends what is left of the run: the processes whose
# environment names this cluster's SLURM_CONF (a waiting sbatch, steptree evolve).
watchdog() {
  local pid=$1 conf=$cluster/slurm.conf p
  while kill -0 "$pid" 2>/dev/null; do sleep 2; done
  "$local_slurm" stop "$cluster"
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ $p != "$BASHPID" ]] || continue
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$conf" &&
      kill -TERM "$p" 2>/dev/null
  done
  return 0
}
(setsid bash -c "$(declare -f watchdog); local_slurm=\$1 cluster=\$2 watchdog \$3" \
  watchdog "$local_slurm" "$cluster" $$ </dev/null >/dev/null 2>&1 &)
eval "$("$local_slurm" env "$cluster")"
echo "cluster: up in $(elapsed "$t") ($(sinfo -h -o '%n %c CPUs, partition %P %T' | head -n1))"

# Slurm outputs of every array task, to count the tasks that ran.
slurm_out=$scratch/slurm-out
mkdir -p "$slurm_out"
task_outputs() { find "$slurm_out" -name 'slurm-*.out' | wc -l; }

# --- sharded search: array of 3 shards, merged, against one process ----------------------
# check_sharded NAME SEARCH_FLAGS...
check_sharded() {
  local name=$1
  shift
  local dir=$scratch/$name t_ref t_array t_merge i a
  mkdir -p "$dir/shards"

  t_ref=$(now_ms)
  run "$name-reference" "$bin" search "$@" --threads 1 --output "$dir/one.jsonl"
  t_ref=$(elapsed "$t_ref")

  {
    echo '#!/bin/sh'
    printf 'exec %s search' "$(sq "$bin")"
    for a in "$@" --threads 1 --shard auto --shard-count 3 --output "$dir/shards/trees.{shard}.jsonl"; do
      printf ' %s' "$(sq "$a")"
    done
    echo
  } >"$dir/job.sh"
  chmod +x "$dir/job.sh"

  t_array=$(now_ms)
  if ! sbatch --wait --array=0-2 --job-name="steptree-$name" \
    --output="$slurm_out/slurm-%A_%a.out" "$dir/job.sh" >"$logs/$name-sbatch.out" 2>&1; then
    echo "FAILED: $name: sbatch --wait --array=0-2 $dir/job.sh:"
    sed 's/^/  | /' "$logs/$name-sbatch.out"
    local job f
    job=$(sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' "$logs/$name-sbatch.out")
    for f in "$slurm_out/slurm-${job:-none}_"*.out; do
      [[ -e $f ]] || continue
      echo "  ${f##*/}:"
      tail -n 5 "$f" | sed 's/^/  | /'
    done
    exit 1
  fi
  t_array=$(elapsed "$t_array")
  for i in 0 1 2; do
    [[ -s $dir/shards/trees.$i.jsonl ]] || fail "$name: array task $i wrote no shards/trees.$i.jsonl"
    [[ -s $dir/shards/trees.$i.jsonl.shard.json ]] ||
      fail "$name: array task $i wrote no manifest trees.$i.jsonl.shard.json"
    "$python" -c 'import json, sys; json.load(open(sys.argv[1]))' \
      "$dir/shards/trees.$i.jsonl.shard.json" || fail "$name: manifest $i is not JSON"
  done
  [[ ! -e $dir/shards/trees.3.jsonl ]] || fail "$name: a shard index 3 of 3"

  t_merge=$(now_ms)
  run "$name-merge" "$bin" merge -o "$dir/merged.jsonl" \
    "$dir/shards/trees.0.jsonl" "$dir/shards/trees.1.jsonl" "$dir/shards/trees.2.jsonl"
  t_merge=$(elapsed "$t_merge")
  cmp "$dir/one.jsonl" "$dir/merged.jsonl" >/dev/null ||
    fail "$name: merged shards differ from the one-process search ($(cmp "$dir/one.jsonl" "$dir/merged.jsonl" 2>&1 | head -n1))"

  local lines=() i n
  for i in 0 1 2; do
    n=$(wc -l <"$dir/shards/trees.$i.jsonl")
    lines+=("$n")
  done
  echo "$name: 3 array tasks (trees ${lines[0]}+${lines[1]}+${lines[2]}) merged == one process" \
    "($(wc -l <"$dir/one.jsonl") trees, $(wc -c <"$dir/one.jsonl") bytes);" \
    "one process $t_ref, sbatch --wait --array=0-2 $t_array, merge $t_merge"
}

check_sharded mcts --problems 60 --mode mcts --iterations 40 --seed 7
check_sharded sbs --problems 60 --mode sbs --b1 3 --b2 5 --seed 7

# --- evolve: the shards of every search through the launcher ----------------------------
evolve_flags=(evolve --rounds 2 --problems 6 --data-iterations 4 --eval-problems 4 --steps 2
  --threads 1 --json)
t=$(now_ms)
run evolve-local "$bin" "${evolve_flags[@]}" --run-dir "$scratch/evolve-local"
t_local=$(elapsed "$t")

before=$(task_outputs)
launcher="sbatch --wait --array={indices} --output=$(sq "$slurm_out/slurm-%A_%a.out")"
t=$(now_ms)
run evolve-slurm "$bin" "${evolve_flags[@]}" --run-dir "$scratch/evolve-slurm" \
  --launcher "$launcher" --shards 3
t_slurm=$(elapsed "$t")
tasks=$(($(task_outputs) - before))
((tasks >= 6)) || fail "evolve --launcher ran $tasks Slurm array tasks (expected 3 per round, 6 or more)"

compare=$("$python" - "$logs/evolve-local.out" "$logs/evolve-slurm.out" <<'EOF'
import json, sys

def rounds(path):
    with open(path) as f:
        rs = json.load(f)["rounds"]
    for r in rs:
        r.pop("model", None)
    return rs

local, slurm = rounds(sys.argv[1]), rounds(sys.argv[2])
if local == slurm:
    print(f"{len(local)} rounds")
    sys.exit(0)
if len(local) != len(slurm):
    print(f"{len(local)} rounds locally, {len(slurm)} through Slurm")
for a, b in zip(local, slurm):
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print(f"round {a.get('round')}: {k} {a.get(k)!r} locally, {b.get(k)!r} through Slurm")
sys.exit(1)
EOF
) || fail "evolve round metrics differ: $(echo "$compare" | head -n 5 | paste -sd';')"
# The training data each round exported from its (sharded) search is the same too.
for r in 1 2; do
  for f in value.jsonl sft.jsonl; do
    cmp -s "$scratch/evolve-local/round-$r/$f" "$scratch/evolve-slurm/round-$r/$f" ||
      fail "evolve round $r: $f differs between the local and the launcher run"
  done
done
echo "evolve: --launcher sbatch --shards 3 ($tasks array tasks) == local: $compare equal but" \
  "model paths, value.jsonl and sft.jsonl of rounds 1-2 identical; local $t_local, through Slurm $t_slurm"

echo "PASSED in $(elapsed "$t_all")"
