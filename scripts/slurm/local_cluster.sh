#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for running and testing weightgen's Slurm jobs.
#
#   scripts/slurm/local_cluster.sh up      # install what is missing, start munged/slurmctld/slurmd, wait for the node
#   eval "$(scripts/slurm/local_cluster.sh env)"   # point sbatch, squeue... at it (SLURM_CONF)
#   scripts/slurm/local_cluster.sh down    # stop exactly the daemons `up` started
#
# Everything it writes (slurm.conf, state, logs, pid files) lives in one folder, SLURM_LOCAL
# (default .slurm-local in the repository), so it leaves any system Slurm configuration alone.
# No cgroup or systemd: process tracking by /proc, no task binding, no accounting.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
state=$(mkdir -p "${SLURM_LOCAL:-$root/.slurm-local}" && cd "${SLURM_LOCAL:-$root/.slurm-local}" && pwd)
conf=$state/slurm.conf
node=$(hostname -s)

say() { echo "local_cluster: $*" >&2; }

install_missing() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && return
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq slurm-wlm munge >/dev/null
}

write_config() {
  # This machine's cores and memory as slurmd itself measures them.
  local hardware; hardware=$(slurmd -C | head -1)
  local memory; memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hardware")
  mkdir -p "$state/ctld" "$state/d"
  cat > "$conf.tmp" <<EOF
ClusterName=weightgen-local
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((memory / 4))
MpiDefault=none
ReturnToService=2
KillWait=30
MinJobAge=3600
$hardware State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.tmp" "$conf"
}

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  munge_works && return                       # a munged that is already running serves us too
  [ -f /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || create-munge-key -f; chown munge:munge /etc/munge/munge.key; }
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  cp /run/munge/munged.pid "$state/munged.pid"
  for _ in $(seq 50); do munge_works && return; sleep 0.1; done
  say "munged did not start"; exit 1
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

up() {
  install_missing
  write_config
  start_munge
  running "$state/slurmctld.pid" || slurmctld -f "$conf"
  running "$state/slurmd.pid" || slurmd -f "$conf"
  export SLURM_CONF=$conf
  for _ in $(seq 120); do
    local node_state; node_state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
    case "$node_state" in
      idle|mixed|allocated) say "node $node is $node_state (SLURM_CONF=$conf)"; return ;;
      down*|drain*) scontrol update nodename="$node" state=resume 2>/dev/null || true ;;
    esac
    sleep 0.5
  done
  say "node $node did not become idle; see $state/slurmctld.log and $state/slurmd.log"; exit 1
}

stop() {  # pid file, name
  running "$1" || { rm -f "$1"; return; }
  local pid; pid=$(cat "$1")
  kill "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || { rm -f "$1"; say "stopped $2"; return; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true; rm -f "$1"; say "killed $2"
}

down() {
  stop "$state/slurmd.pid" slurmd
  stop "$state/slurmctld.pid" slurmctld
  stop "$state/munged.pid" munged              # only when `up` started it
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
