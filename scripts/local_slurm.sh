#!/usr/bin/env bash
# A throwaway one-node Slurm cluster on this machine, for tests (tests/slurm/).
#
#   scripts/local_slurm.sh start DIR   write DIR/slurm.conf and a fresh munge key, start munged,
#                                      slurmctld and slurmd, wait (30 s at most) until sinfo shows
#                                      the node idle. Prints nothing on success; on failure stops
#                                      what it started, prints ONE line saying why on stderr and
#                                      exits non-zero.
#   scripts/local_slurm.sh env DIR     prints `export SLURM_CONF=DIR/slurm.conf`, to eval before
#                                      sbatch/squeue/sinfo talk to this cluster.
#   scripts/local_slurm.sh stop DIR    cancels its jobs, kills the daemons named by DIR's pid files;
#                                      never fails, also when they are already gone.
#
# Every file of the cluster lives under DIR: slurm.conf, the munge key, socket, pid, seed and
# log of its own munged, the controller's state, the node's spool, the daemons' pid and log
# files (DIR/log/). The node is `hostname -s` with nproc CPUs at 127.0.0.1, in one partition
# `debug`; ports are two free ones from 16817 up (not Slurm's 6817/6818, so a system cluster
# is left alone). Needs root (slurmd runs jobs as the submitting user) and the Debian packages
# slurm-wlm and munge (scripts/setup.sh). Plugins are the ones that need no cgroups or
# systemd: proctrack/linuxproc, task/none, select/cons_tres with CR_CPU, no accounting.
set -euo pipefail

die() {
  echo "local_slurm: $*" >&2
  exit 1
}

usage() {
  die "usage: $0 start|stop|env DIR"
}

(($# == 2)) || usage
cmd=$1
dir=$2
[[ -n $dir ]] || usage
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
conf=$dir/slurm.conf

# pid of the daemon whose pid file is $1, when that process is alive; else nothing.
live_pid() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(head -n1 "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

stop_cluster() {
  # Jobs first (best effort, bounded), so no job step outlives its slurmd.
  if [[ -f $conf ]] && live_pid "$dir/run/slurmctld.pid" >/dev/null; then
    SLURM_CONF=$conf timeout 5 scancel --quiet --partition=debug >/dev/null 2>&1 || true
  fi
  local name pid pids=()
  for name in slurmd slurmctld munged; do
    if pid=$(live_pid "$dir/run/$name.pid"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local i p alive
  for ((i = 0; i < 100; i++)); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -f "$dir/run/slurmd.pid" "$dir/run/slurmctld.pid" "$dir/run/munged.pid"
}

# Failure during start: stop what was started, say why in one line (with the log's last line).
start_failed() {
  local why=$1 log=${2:-} last=""
  if [[ -n $log && -s $log ]]; then
    last=$(grep -v '^\s*$' "$log" | tail -n1 | tr -d '\r' | cut -c1-200)
    why="$why (${log#"$dir"/}: $last)"
  fi
  stop_cluster >/dev/null 2>&1 || true
  die "$why"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_cluster() {
  [[ $(id -u) -eq 0 ]] || die "not root (slurmd must run as root to start jobs)"
  local tool
  for tool in munged slurmctld slurmd sinfo scontrol; do
    command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] ||
      die "$tool missing (install slurm-wlm and munge: scripts/setup.sh)"
  done
  export PATH=$PATH:/usr/sbin
  if live_pid "$dir/run/slurmctld.pid" >/dev/null || live_pid "$dir/run/slurmd.pid" >/dev/null ||
    live_pid "$dir/run/munged.pid" >/dev/null; then
    die "a cluster is already running in $dir (stop it first)"
  fi

  mkdir -p "$dir"
  rm -rf "$dir/munge" "$dir/state" "$dir/spool" "$dir/run" "$dir/log"
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/run" "$dir/log"
  chmod 0700 "$dir/munge"

  local host cpus port
  host=$(hostname -s)
  cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc) # nproc obeys both
  port=16817
  while port_in_use "$port" || port_in_use "$((port + 1))"; do
    port=$((port + 2))
    ((port < 16917)) || die "no two free ports between 16817 and 16917"
  done

  # munged of our own: key, socket, pid, seed and log under DIR/munge.
  local key=$dir/munge/munge.key sock=$dir/munge/munge.socket
  head -c 1024 /dev/urandom >"$key"
  chmod 0400 "$key"
  munged --force --key-file="$key" --socket="$sock" --pid-file="$dir/run/munged.pid" \
    --seed-file="$dir/munge/munged.seed" --log-file="$dir/log/munged.log" --num-threads=2 \
    >>"$dir/log/munged.log" 2>&1 || start_failed "munged failed to start" "$dir/log/munged.log"
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -S $sock ]] && break
    sleep 0.1
  done
  [[ -S $sock ]] || start_failed "munged made no socket" "$dir/log/munged.log"

  cat >"$dir/plugstack.conf" <<EOF
EOF
  cat >"$conf" <<EOF
# Written by scripts/local_slurm.sh: a throwaway one-node cluster; everything under $dir.
ClusterName=steptreelocal
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
PlugStackConfig=$dir/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=30
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=256 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$conf

  # -c: a clean start, whatever state an earlier cluster in DIR left.
  slurmctld -c -f "$conf" >>"$dir/log/slurmctld.out" 2>&1 ||
    start_failed "slurmctld failed to start" "$dir/log/slurmctld.log"
  slurmd -c -f "$conf" -N "$host" >>"$dir/log/slurmd.out" 2>&1 ||
    start_failed "slurmd failed to start" "$dir/log/slurmd.log"

  # The daemons fork before they can fail; give them 2 s to write their pid files.
  local state="" start=$SECONDS
  while ((SECONDS - start < 30)); do
    state=$(timeout 5 sinfo -h -n "$host" -o '%T' 2>/dev/null | head -n1) || state=""
    [[ $state == idle ]] && return 0
    if ((SECONDS - start >= 2)); then
      live_pid "$dir/run/slurmctld.pid" >/dev/null ||
        start_failed "slurmctld exited" "$dir/log/slurmctld.log"
      live_pid "$dir/run/slurmd.pid" >/dev/null || start_failed "slurmd exited" "$dir/log/slurmd.log"
    fi
    sleep 0.2
  done
  start_failed "node $host not idle after 30 s (sinfo state: ${state:-none})" "$dir/log/slurmd.log"
}

case $cmd in
  start) start_cluster ;;
  stop)
    stop_cluster 2>/dev/null || true
    exit 0
    ;;
  env) printf 'export SLURM_CONF=%q\n' "$conf" ;;
  *) usage ;;
esac
