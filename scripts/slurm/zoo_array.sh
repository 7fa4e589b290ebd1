#!/usr/bin/env bash
# One shard of a checkpoint zoo per Slurm array task; scripts/slurm/submit_zoo.sh submits the
# array and the merge that follows it. By hand:
#
#   sbatch --array=0-15 scripts/slurm/zoo_array.sh SHARDS_FOLDER --dataset DATA --tasks cord --runs 128 ...
#
# Every task gets the same plan (the `weightgen zoo create` options after SHARDS_FOLDER), so a
# run's seed and hyperparameters do not depend on which shard trains it and the merged zoo
# equals one built in a single job. A preempted, cancelled or failed task is resubmitted with
# the same index: `zoo create` keeps the shard's finished runs and retrains the interrupted one.
# One run per allocated core, one engine thread per run (WEIGHTGEN_THREADS), so checkpoints are
# bit for bit those of any other build of the plan with one thread per run.
#SBATCH --job-name=weightgen-zoo
#SBATCH --cpus-per-task=1
#SBATCH --output=zoo-%A_%a.log
set -euo pipefail
shards=${1:?usage: zoo_array.sh SHARDS_FOLDER ZOO_CREATE_OPTIONS...}
shift
index=${SLURM_ARRAY_TASK_ID:?run as a Slurm array job}
count=${SLURM_ARRAY_TASK_COUNT:?run as a Slurm array job}
# A resubmitted single task of a larger array states the array's size itself.
count=${SHARD_COUNT:-$count}
export WEIGHTGEN_THREADS=${WEIGHTGEN_THREADS:-1} OMP_WAIT_POLICY=PASSIVE
mkdir -p "$shards"
exec "${WEIGHTGEN:-weightgen}" zoo create "$@" --workers "${SLURM_CPUS_PER_TASK:-1}" \
  --shard "$index/$count" --out "$shards/shard-$index"
