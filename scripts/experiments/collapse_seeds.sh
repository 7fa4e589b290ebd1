#!/usr/bin/env bash
# The README's training example with default options over many seeds on two phantoms: every
# run's validation Dice, then the minimum and median per phantom and task. A run that
# collapses to all-background shows as Dice 0 and a warning in its log.
# Two trainings run side by side, one thread each. Finished runs are kept, so running the
# script again resumes it; SEEDS, PHANTOMS and TASKS narrow it.
# Usage: scripts/experiments/collapse_seeds.sh [OUT_DIR] [ITERATIONS]
set -euo pipefail
out=${1:-runs/collapse}
iterations=${2:-1000}
seeds=${SEEDS:-$(seq 0 15)}
phantoms=${PHANTOMS:-"80:1 60:11"}      # cases:seed of each phantom
tasks=${TASKS:-"cord canal"}
jobs=${JOBS:-2}
bin=${WEIGHTGEN:-.build/release/weightgen}
[ -x "$bin" ] || swift build -c release
export WEIGHTGEN_THREADS=1 OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"

train() {  # phantom folder, task, seed
  local folder="$out/$1-$2-seed$3"
  [ -f "$folder/training.json" ] && return
  "$bin" train --dataset "$out/$1" --task "$2" --preset tiny --iterations "$iterations" --seed "$3" \
    --out "$folder" 2> "$folder.log"
}

names=()
for phantom in $phantoms; do
  name="ph${phantom%%:*}-s${phantom##*:}"
  [ -d "$out/$name" ] || "$bin" phantom --out "$out/$name" --cases "${phantom%%:*}" --seed "${phantom##*:}" >/dev/null 2>&1
  names+=("$name")
done
# Seed by seed, so a partial run covers every phantom and task.
runs=()
for seed in $seeds; do for name in "${names[@]}"; do for task in $tasks; do runs+=("$name $task $seed"); done; done; done
for run in "${runs[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  train $run &
done
wait

echo "phantom task seed validation_dice collapsed"
for run in "${runs[@]}"; do
  set -- $run
  folder="$out/$1-$2-seed$3"
  [ -f "$folder/training.json" ] || continue   # not run (yet)
  dice=$(grep -o '"validation_dice" : [0-9.e-]*' "$folder/network.json" | awk '{printf "%.4f", $3}')
  collapsed=$(grep -q "collapsed to all-background" "$folder.log" && echo yes || echo no)
  echo "$1 $2 $3 $dice $collapsed"
done | tee "$out/table.txt"
echo "phantom task runs min median"
for key in $(awk '{ print $1 ":" $2 }' "$out/table.txt" | sort -u); do
  awk -v p="${key%%:*}" -v t="${key##*:}" '$1 == p && $2 == t { print $4 }' "$out/table.txt" | sort -n |
    awk -v key="${key%%:*} ${key##*:}" '{ v[NR] = $1 } END {
      median = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%s %d %.4f %.4f\n", key, NR, v[1], median }'
done
