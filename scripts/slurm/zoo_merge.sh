#!/usr/bin/env bash
# Merges the shards of a zoo built by scripts/slurm/zoo_array.sh into one zoo and verifies it:
# every checkpoint's CRC-32 and every planned run present. Submitted by submit_zoo.sh after the
# array; re-running it completes the merged zoo with shards that were missing before.
#
#   sbatch --dependency=afterok:ARRAY_JOB scripts/slurm/zoo_merge.sh SHARDS_FOLDER SHARD_COUNT ZOO
#SBATCH --job-name=weightgen-zoo-merge
#SBATCH --cpus-per-task=1
#SBATCH --output=zoo-merge-%j.log
set -euo pipefail
shards=${1:?usage: zoo_merge.sh SHARDS_FOLDER SHARD_COUNT ZOO}
count=${2:?usage: zoo_merge.sh SHARDS_FOLDER SHARD_COUNT ZOO}
zoo=${3:?usage: zoo_merge.sh SHARDS_FOLDER SHARD_COUNT ZOO}
bin=${WEIGHTGEN:-weightgen}
folders=()
for index in $(seq 0 $((count - 1))); do folders+=("$shards/shard-$index"); done
"$bin" zoo merge "${folders[@]}" --out "$zoo"
"$bin" zoo verify --complete "$zoo"
