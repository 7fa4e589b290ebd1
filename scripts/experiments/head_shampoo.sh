#!/usr/bin/env bash
# Shampoo's direction at the length of Adam's own step (--direction shampoo:D:N), on 2 fresh
# patches per call, calls of 4 iterations under poly decay. Gray-matter heads (the 100-run zoo of
# graymatter_head_zoo.sh, at most 200 calls): decay 0.95 refreshed every call and every 10th,
# decay 0.99 every 10th, at the rate chosen for Adam's step; decay 0.95 every 10th at half and
# twice it. Cord heads (the 100-run zoo of cord_head_zoo.sh, at most 20 calls): decay 0.95 every
# call. Each evaluated over 16 unseen starts, every call checked, two at a time, into
# OUT/shampoo/NAME.json and compared start by start with Adam's step (paired_generations.py);
# then Adam's step and the best of each task timed in turn, twice, one job at a time with nothing
# else running (NAME-tREPEAT.json). Every stage resumes.
# Usage: scripts/experiments/head_shampoo.sh [OUT]
set -euo pipefail
out=${1:-runs/head-shampoo}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
gm=$out/zoo100-graymatter
"$(dirname "$0")/graymatter_head_zoo.sh" "$out" "$gm"
cord=$out/zoo100-cord
"$(dirname "$0")/cord_head_zoo.sh" "$out" "$cord" 100 100 --checkpoint-content parameters-and-optimizer-state 2> "$cord.log"
study=$out/shampoo
mkdir -p "$study"
for o in "gm-adam:$gm:200" "cord-adam:$cord:20"; do
  IFS=: read -r name zoo calls <<< "$o"
  [ -d "$study/$name" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$study/$name" --gradient training-patches \
    --cases-per-call 2 --seed 0 --horizon 4 --maximum-calls "$calls" --schedule poly --history adam-step --steps 0 --width 8 --depth 1 \
    2> "$study/$name.log"
done
evaluate() {  # json, optimiser, zoo, options
  local json=$study/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/$2" --zoo "$3" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 16 --answer final $4 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
runs=("gm-adam|gm-adam|$gm|" "gm-s95-1|gm-adam|$gm|--direction shampoo:0.95:1" "gm-s95-10|gm-adam|$gm|--direction shampoo:0.95:10"
  "gm-s99-10|gm-adam|$gm|--direction shampoo:0.99:10" "gm-s95-10-half|gm-adam|$gm|--direction shampoo:0.95:10 --learning-rate 0.0038"
  "gm-s95-10-twice|gm-adam|$gm|--direction shampoo:0.95:10 --learning-rate 0.0152" "cord-adam|cord-adam|$cord|"
  "cord-s95-1|cord-adam|$cord|--direction shampoo:0.95:1")
source "$(dirname "$0")/schedule.sh"
in_pairs evaluate "${runs[@]}"
for run in "${runs[@]}"; do
  IFS='|' read -r name optimiser zoo options <<< "$run"
  echo "$name: $("$(dirname "$0")/paired_generations.py" "$study/${optimiser}.json" "$study/$name.json")"
done
timed_twice evaluate "gm-adam|gm-adam|$gm|" "gm-s95-10|gm-adam|$gm|--direction shampoo:0.95:10" "cord-adam|cord-adam|$cord|" \
  "cord-s95-1|cord-adam|$cord|--direction shampoo:0.95:1"
grep -H "time to 0" "$study"/*-t?-eval.log
