#!/usr/bin/env bash
# Generator training as a Slurm job that survives preemption and time limits:
#
#   sbatch scripts/slurm/generator_train.sh --zoo ZOO --out GENERATOR [generator train options...]
#
# On SIGTERM (Slurm sends it before preempting or requeueing a job, and, with --signal below,
# two minutes before the time limit) `weightgen generator train` finishes its step, saves and
# exits with 143. The job is requeued (by Slurm on preemption, by this script at the time limit)
# and the same command resumes; the result equals an uninterrupted run's bit for bit (same
# OpenBLAS kernel and thread count: WEIGHTGEN_THREADS is pinned to the allocated cores).
#SBATCH --job-name=weightgen-generator
#SBATCH --cpus-per-task=2
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --signal=B:TERM@120
#SBATCH --output=generator-%j.log
set -uo pipefail
export WEIGHTGEN_THREADS=${WEIGHTGEN_THREADS:-${SLURM_CPUS_PER_TASK:-1}} OMP_WAIT_POLICY=PASSIVE
echo "generator_train: start $(date -u +%FT%TZ) on $(hostname), restart ${SLURM_RESTART_COUNT:-0}"
"${WEIGHTGEN:-weightgen}" generator train "$@" &
child=$!
# The batch shell alone gets the time-limit signal; pass it on. (On preemption both get it.)
trap 'kill -TERM "$child" 2>/dev/null' TERM
wait "$child"
while kill -0 "$child" 2>/dev/null; do wait "$child"; done   # `wait` returns early when the trap runs
wait "$child"; status=$?                                        # the child's own exit status
if [ "$status" -eq 143 ]; then
  echo "generator_train: stopped and saved; requeueing"
  scontrol requeue "${SLURM_JOB_ID}" 2>/dev/null || true    # already requeued when Slurm preempted the job
fi
exit "$status"
