#!/usr/bin/env bash
# Builds a checkpoint zoo as a Slurm job array: one shard per array task, then one merge.
#
#   sbatch --array=0-15 scripts/slurm/zoo_array.sh DATA ZOO_SHARDS    # 16 shards in parallel
#   sbatch --dependency=afterok:<array job id> --wrap \
#     "weightgen zoo merge ZOO_SHARDS/shard-* --out ZOO"               # once every shard is done
#
# Every shard gets the same plan (same tasks, runs, seed...), so a run's seed and
# hyperparameters do not depend on which shard trains it, and the merged zoo equals one built
# in a single job. A preempted or killed task is simply resubmitted: `zoo create` resumes.
#SBATCH --job-name=weightgen-zoo
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=zoo-%A_%a.log
set -euo pipefail
data=${1:?usage: zoo_array.sh DATA_FOLDER SHARDS_FOLDER}
shards=${2:?usage: zoo_array.sh DATA_FOLDER SHARDS_FOLDER}
index=${SLURM_ARRAY_TASK_ID:?run as a Slurm array job}
count=${SLURM_ARRAY_TASK_COUNT:?run as a Slurm array job}
mkdir -p "$shards"
weightgen zoo create --dataset "$data" --tasks "${TASKS:-cord,canal,lesion}" --preset "${PRESET:-tiny}" \
  --runs "${RUNS:-128}" --checkpoints-per-run "${CHECKPOINTS:-20}" --seed "${SEED:-0}" \
  --workers "${SLURM_CPUS_PER_TASK:-1}" --shard "$index/$count" --out "$shards/shard-$index"
