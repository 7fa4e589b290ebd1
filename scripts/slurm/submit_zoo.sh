#!/usr/bin/env bash
# Builds a zoo on a Slurm cluster: one array task per shard, then a merge that runs when all of
# them succeeded. Running the same command again submits only the shards that are not complete
# (cancelled, preempted, failed) and a new merge, so it is also how an interrupted build resumes.
#
#   scripts/slurm/submit_zoo.sh SHARD_COUNT SHARDS_FOLDER ZOO -- ZOO_CREATE_OPTIONS...
#
# Prints the array and merge job ids. Extra sbatch options go in SBATCH_OPTIONS (e.g. a
# partition or --time); WEIGHTGEN names the weightgen binary when it is not on PATH.
set -euo pipefail
usage="usage: submit_zoo.sh SHARD_COUNT SHARDS_FOLDER ZOO -- ZOO_CREATE_OPTIONS..."
count=${1:?$usage}; shards=${2:?$usage}; zoo=${3:?$usage}
[ "${4:-}" = "--" ] || { echo "$usage" >&2; exit 2; }
shift 4
here=$(cd "$(dirname "$0")" && pwd)
bin=${WEIGHTGEN:-weightgen}
mkdir -p "$shards"
# Jobs start in the shards folder (their logs land there), so every path is made absolute.
shards=$(cd "$shards" && pwd)
zoo=$(mkdir -p "$(dirname "$zoo")" && cd "$(dirname "$zoo")" && pwd)/$(basename "$zoo")

pending=()
for index in $(seq 0 $((count - 1))); do
  folder=$shards/shard-$index
  [ -d "$folder" ] && "$bin" zoo verify --complete "$folder" >/dev/null 2>&1 && continue
  pending+=("$index")
done
dependency=""
if [ ${#pending[@]} -gt 0 ]; then
  array=$(IFS=,; echo "${pending[*]}")
  job=$(sbatch --parsable --chdir "$shards" --array="$array" --export=ALL,SHARD_COUNT="$count",WEIGHTGEN="$bin" \
    ${SBATCH_OPTIONS:-} "$here/zoo_array.sh" "$shards" "$@")
  echo "array $job: shards $array of $count"
  dependency="--dependency=afterok:$job --kill-on-invalid-dep=yes"
fi
merge=$(sbatch --parsable --chdir "$shards" $dependency --export=ALL,WEIGHTGEN="$bin" ${SBATCH_OPTIONS:-} \
  "$here/zoo_merge.sh" "$shards" "$count" "$zoo")
echo "merge $merge -> $zoo"
