#!/usr/bin/env bash
# Trains the tiny 2D preset from scratch on each phantom task with several seeds and learning
# rates, and prints the held-out Dice of every run: the acceptance runs of the segmentation
# issue (does the phantom leave room between runs, i.e. not saturate?).
# Usage: scripts/experiments/phantom_runs.sh [OUT_DIR] [ITERATIONS] [CASES]
set -euo pipefail
out=${1:-runs/phantom}
iterations=${2:-1000}
cases=${3:-80}
bin=${WEIGHTGEN:-.build/release/weightgen}
[ -x "$bin" ] || swift build -c release
mkdir -p "$out"
"$bin" phantom --out "$out/data" --cases "$cases" --seed 1
rates=(1e-3 2e-3 3e-3 5e-3 1e-3 2e-3 3e-3 5e-3)
for task in cord canal lesion; do
  for run in 0 1 2 3 4 5 6 7; do
    folder="$out/$task-run$run"
    start=$(date +%s.%N)
    "$bin" train --dataset "$out/data" --task "$task" --preset tiny --iterations "$iterations" --batch-size 16 \
      --optimizer adam --learning-rate "${rates[$run]}" --seed "$((run + 10))" --out "$folder" 2> "$folder.log"
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    dice=$(grep -o '"validation_dice" : [0-9.]*' "$folder/network.json" | awk '{print $3}')
    echo "$task run=$run lr=${rates[$run]} seed=$((run + 10)) iterations=$iterations seconds=$seconds validation_dice=$dice"
  done
done
