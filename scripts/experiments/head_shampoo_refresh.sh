#!/usr/bin/env bash
# How rarely Shampoo's roots need refreshing (--direction shampoo:0.95:N), on the zoos and Adam's-
# step optimisers of head_shampoo.sh (which it runs first): gray-matter heads with the roots
# refreshed every 10th, 25th and 50th call, and only once, at the first call (N = 200, the budget);
# cord heads only once (N = 20); on gray matter Adam's step and refreshes every 50th call with checks
# gated by the batch's Dice (--checks batch-dice:F, F = 0.8 and 1). Each evaluated over 16 unseen starts, every call checked, two at a
# time, into OUT/shampoo-refresh/NAME.json and compared start by start with Adam's step
# (paired_generations.py; the gated ones against Adam's step gated alike); then Adam's step and
# the settings that refresh least timed in turn, twice, one job at a time with nothing else running (NAME-tREPEAT.json). Every stage resumes.
# Usage: scripts/experiments/head_shampoo_refresh.sh [OUT]
set -euo pipefail
out=${1:-runs/head-shampoo}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_shampoo.sh" "$out" > /dev/null
gm=$out/zoo100-graymatter cord=$out/zoo100-cord adam=$out/shampoo study=$out/shampoo-refresh
mkdir -p "$study"
evaluate() {  # json, optimiser, zoo, options
  local json=$study/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$adam/$2" --zoo "$3" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 16 --answer final $4 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
runs=("gm-s95-10|gm-adam|$gm|--direction shampoo:0.95:10" "gm-s95-25|gm-adam|$gm|--direction shampoo:0.95:25"
  "gm-s95-50|gm-adam|$gm|--direction shampoo:0.95:50" "gm-s95-once|gm-adam|$gm|--direction shampoo:0.95:200"
  "cord-s95-once|cord-adam|$cord|--direction shampoo:0.95:20"
  "gm-adam-gate0.8|gm-adam|$gm|--checks batch-dice:0.8" "gm-s95-50-gate0.8|gm-adam|$gm|--direction shampoo:0.95:50 --checks batch-dice:0.8"
  "gm-adam-gate1|gm-adam|$gm|--checks batch-dice:1" "gm-s95-50-gate1|gm-adam|$gm|--direction shampoo:0.95:50 --checks batch-dice:1")
source "$(dirname "$0")/schedule.sh"
in_pairs evaluate "${runs[@]}"
for run in "${runs[@]}"; do
  IFS='|' read -r name optimiser _ _ <<< "$run"
  case $name in
    gm-adam-gate*) continue ;;
    *-gate*) baseline=$study/gm-adam-gate${name##*-gate}.json ;;
    *) baseline=$adam/$optimiser.json ;;
  esac
  echo "$name: $("$(dirname "$0")/paired_generations.py" "$baseline" "$study/$name.json")"
done
timed_twice evaluate "gm-adam|gm-adam|$gm|" "gm-s95-50|gm-adam|$gm|--direction shampoo:0.95:50" \
  "gm-s95-once|gm-adam|$gm|--direction shampoo:0.95:200" "cord-adam|cord-adam|$cord|" \
  "cord-s95-once|cord-adam|$cord|--direction shampoo:0.95:20"
grep -H "time to 0" "$study"/*-t?-eval.log
