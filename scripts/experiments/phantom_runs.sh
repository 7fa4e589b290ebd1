#!/usr/bin/env bash
# Trains the tiny 2D preset from scratch on each phantom task with eight seeds and learning
# rates, and prints every run's held-out Dice with the median and spread per task: the
# acceptance check that the phantom is learnable yet does not saturate.
# Usage: scripts/experiments/phantom_runs.sh [OUT_DIR] [ITERATIONS] [CASES] [TASKS]
set -euo pipefail
out=${1:-runs/phantom}
iterations=${2:-1500}
cases=${3:-100}
tasks=${4:-"cord canal lesion"}
bin=${WEIGHTGEN:-.build/release/weightgen}
[ -x "$bin" ] || swift build -c release
mkdir -p "$out"
[ -d "$out/data" ] || "$bin" phantom --out "$out/data" --cases "$cases" --seed 1 >/dev/null 2>&1
rates=(1e-3 2e-3 3e-3 5e-3 1e-3 2e-3 3e-3 5e-3)
for task in $tasks; do
  values=()
  for run in 0 1 2 3 4 5 6 7; do
    folder="$out/$task-run$run"
    start=$(date +%s.%N)
    "$bin" train --dataset "$out/data" --task "$task" --preset tiny --iterations "$iterations" --batch-size 16 \
      --optimizer adam --learning-rate "${rates[$run]}" --seed "$((run + 10))" --allow-empty-labels \
      --out "$folder" 2> "$folder.log"
    seconds=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
    dice=$(grep -o '"validation_dice" : [0-9.]*' "$folder/network.json" | awk '{printf "%.4f", $3}')
    values+=("$dice")
    echo "$task run=$run lr=${rates[$run]} seed=$((run + 10)) iterations=$iterations seconds=$seconds validation_dice=$dice"
  done
  printf '%s\n' "${values[@]}" | sort -n | awk -v task="$task" '{v[NR]=$1} END {
    printf "%s summary: median %.4f min %.4f max %.4f spread %.4f\n", task, (v[4]+v[5])/2, v[1], v[8], v[8]-v[1] }'
done
