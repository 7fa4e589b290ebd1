#!/usr/bin/env bash
# SOAP's eigenbasis refreshed more often, and SOAP by modes (--direction soap:B1:B2:N:modes: one
# statistic per output channel, input channel and kernel-position mode, so a refresh decomposes
# matrices of 16, 8 and 9 rows where the matrix reading's 144 × 144 R costs most of a call).
# Gray-matter heads (the zoo and Adam's-step optimiser of head_shampoo.sh, which it runs first):
# the matrix reading refreshed every 1st, 2nd, 5th and 10th call at (0.8, 0.95); every 10th at
# (0.8, 0.9), (0.8, 0.99), (0.8, 0.8), (0.7, 0.95); every call at (0.8, 0.9), (0.8, 0.8),
# (0.9, 0.95), (0.5, 0.95) and at half the rate; by modes every call and every 10th at
# (0.8, 0.95), every 2nd call at (0.8, 0.95), every call at (0.9, 0.95) and at (0.8, 0.95) on the
# batches of each start's recipe run (--data recipe-batches). Each over 16 unseen starts, every call checked, two at
# a time, into OUT/soap-modes/NAME.json, compared start by start with the matrix reading every
# 10th call (head_soap.sh's gm-soap80-95-10.json); by modes every call also on the cord heads of
# head_shampoo.sh, against Adam's step. Then timed in turn, twice, one job at a time
# with nothing else running, checks gated by the batch's Dice: Adam's step, the matrix reading
# every 10th call, by modes every call, and the same with bounded checks; then the matrix reading
# every call and every 2nd (also bounded) with Adam's step and every 10th, timed alike.
# Whole phantom networks (the zoo and optimiser of acceptance_shampoo.sh, which it runs first):
# by modes every call and the matrix reading every 2nd call, two at a time; then Adam's step, the
# matrix reading every 10th call and by modes every call timed in turn, twice. Every stage resumes.
# Usage: scripts/experiments/soap_modes.sh [OUT] [PHANTOM_OUT]
set -euo pipefail
out=${1:-runs/head-shampoo}
phantom=${2:-runs/acceptance-shampoo}
bin=${WEIGHTGEN:-.build/release/weightgen}
here=$(dirname "$0")
source "$here/schedule.sh"
"$here/head_soap.sh" "$out" > /dev/null
"$here/acceptance_shampoo.sh" "$phantom" > /dev/null
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
study=$out/soap-modes
mkdir -p "$study"
evaluate() {  # json, options
  local json=$study/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$out/shampoo/gm-adam" --zoo "$out/zoo100-graymatter" --seeds 16 \
    --alignment-starts 0 --fidelity-starts 16 --answer final $2 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
runs=("soap80-95-1|--direction soap:0.8:0.95:1" "soap80-95-2|--direction soap:0.8:0.95:2" "soap80-95-5|--direction soap:0.8:0.95:5"
  "soap80-90-10|--direction soap:0.8:0.9:10" "soap80-99-10|--direction soap:0.8:0.99:10" "soap80-80-10|--direction soap:0.8:0.8:10" "soap70-95-10|--direction soap:0.7:0.95:10"
  "soap80-90-1|--direction soap:0.8:0.9:1" "soap80-80-1|--direction soap:0.8:0.8:1" "soap90-95-1|--direction soap:0.9:0.95:1" "soap50-95-1|--direction soap:0.5:0.95:1"
  "soap80-95-1-half|--direction soap:0.8:0.95:1 --learning-rate 0.0038"
  "modes80-95-1|--direction soap:0.8:0.95:1:modes" "modes80-95-10|--direction soap:0.8:0.95:10:modes" "modes90-95-1|--direction soap:0.9:0.95:1:modes"
  "modes80-95-2|--direction soap:0.8:0.95:2:modes" "modes80-95-1-recipe|--direction soap:0.8:0.95:1:modes --data recipe-batches")
in_pairs evaluate "${runs[@]}"
for run in "${runs[@]}"; do
  IFS='|' read -r name _ <<< "$run"
  echo "$name: $("$here/paired_generations.py" "$out/soap/gm-soap80-95-10.json" "$study/$name.json")"
done
cord=$study/cord-modes80-95-1.json
[ -f "$cord" ] || "$bin" learned-optimizer evaluate --optimizer "$out/shampoo/cord-adam" --zoo "$out/zoo100-cord" --seeds 16 --alignment-starts 0 \
  --fidelity-starts 16 --answer final --direction soap:0.8:0.95:1:modes --json "$cord" > "${cord%.json}.txt" 2> "${cord%.json}-eval.log"
echo "cord-modes80-95-1: $("$here/paired_generations.py" "$out/shampoo/cord-adam.json" "$cord")"
timed_twice evaluate "adam-gate|--checks batch-dice:0.8" "soap80-95-10-gate|--direction soap:0.8:0.95:10 --checks batch-dice:0.8" \
  "modes80-95-1-gate|--direction soap:0.8:0.95:1:modes --checks batch-dice:0.8" \
  "modes80-95-1-gate-bounded|--direction soap:0.8:0.95:1:modes --checks batch-dice:0.8 --bounded-checks"
grep -H "time to 0" "$study"/*-t?-eval.log
for repeat in 1 2; do
  for name in soap80-95-10-gate modes80-95-1-gate modes80-95-1-gate-bounded; do
    echo "$name-t$repeat: $("$here/paired_generations.py" "$study/adam-gate-t$repeat.json" "$study/$name-t$repeat.json")"
  done
done
"$here/checked_both_sides.py" "$study"/*-t?.json
# The matrix reading refreshed more often, timed alike (gated; every 2nd call also bounded), against
# Adam's step and every 10th call in the same runs.
mkdir -p "$study/matrix-timing"
timed_twice evaluate "matrix-timing/adam-gate|--checks batch-dice:0.8" \
  "matrix-timing/soap80-95-10-gate|--direction soap:0.8:0.95:10 --checks batch-dice:0.8" \
  "matrix-timing/soap80-95-2-gate|--direction soap:0.8:0.95:2 --checks batch-dice:0.8" \
  "matrix-timing/soap80-95-1-gate|--direction soap:0.8:0.95:1 --checks batch-dice:0.8" \
  "matrix-timing/soap80-95-2-gate-bounded|--direction soap:0.8:0.95:2 --checks batch-dice:0.8 --bounded-checks"
grep -H "time to 0" "$study"/matrix-timing/*-eval.log
# Whole phantom networks, as acceptance_shampoo.sh evaluates them.
pstudy=$phantom/shampoo
pevaluate() {  # json, options
  local json=$pstudy/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$pstudy/adam" --zoo "$phantom/zoo" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --answer final --checks every:16 $2 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
pevaluate soap80-95-1-modes "--direction soap:0.8:0.95:1:modes" &
pevaluate soap80-95-2 "--direction soap:0.8:0.95:2" &
wait
for name in soap80-95-1-modes soap80-95-2; do
  echo "phantom $name: $("$here/paired_generations.py" "$pstudy/adam.json" "$pstudy/$name.json")"
done
timed_twice pevaluate "adam-m|" "soap80-95-10-m|--direction soap:0.8:0.95:10" "soap80-95-1-modes|--direction soap:0.8:0.95:1:modes"
grep -H "time to 0" "$pstudy"/*-m-t?-eval.log "$pstudy"/soap80-95-1-modes-t?-eval.log
for repeat in 1 2; do
  for name in soap80-95-10-m soap80-95-1-modes; do
    echo "phantom $name-t$repeat: $("$here/paired_generations.py" "$pstudy/adam-m-t$repeat.json" "$pstudy/$name-t$repeat.json")"
  done
done
