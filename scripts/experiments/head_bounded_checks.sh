#!/usr/bin/env bash
# The time goal with the generation's checks timed, each check stopped as soon as the network is
# certain to lie below 0.9 x the prompt (--bounded-checks). Adam's own step on 2 patches per call
# (calls of 4 iterations, at most 20, poly decay: head_rule_size.sh's a-w8-d1) on the 100-run head
# zoo with optimiser state (cord_head_zoo.sh; made when missing), over 16 unseen starts: every call checked
# whole and bounded, in turn, three times; gated at half the prompt (batch-dice:0.5) whole and
# bounded, twice. Into OUT/bounded-checks/NAME-REPEAT.json. Then 32 generations of the same
# optimiser from seeds 5000-5031 (every call checked; their logs in OUT/bounded-checks/generations)
# read by batch_dice_stop.py: where stopping on the training batches' Dice would answer. One job
# at a time, nothing else running; every stage resumes.
# Usage: scripts/experiments/head_bounded_checks.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/cord_head_zoo.sh" "$out" "$out/zoo100" 100 100 --checkpoint-content parameters-and-optimizer-state
optimizer=$out/rule-size/a-w8-d1
mkdir -p "$out/rule-size"
[ -d "$optimizer" ] || "$bin" learned-optimizer train --zoo "$out/zoo100" --out "$optimizer" --gradient training-patches \
  --cases-per-call 2 --seed 0 --horizon 4 --maximum-calls 20 --schedule poly --history adam-step --steps 0 --width 8 --depth 1 \
  2> "$optimizer.log"
study=$out/bounded-checks
mkdir -p "$study"
# name:repeats:options, taken in turn so that each pair is timed alike
for repeat in 1 2 3; do
  for run in "whole:3:" "bounded:3:--bounded-checks" "gated:2:--checks batch-dice:0.5" "gated-bounded:2:--checks batch-dice:0.5 --bounded-checks"; do
    IFS=: read -r name repeats options <<< "$run"
    json=$study/$name-$repeat.json
    # shellcheck disable=SC2086 # the options are words
    [ "$repeat" -gt "$repeats" ] || [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$optimizer" --zoo "$out/zoo100" \
      --seeds 16 --alignment-starts 0 --fidelity-starts 16 --answer final $options --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
  done
done
grep -H "time to 0" "$study"/*-eval.log
mkdir -p "$study/generations"
for seed in $(seq 5000 5031); do
  log=$study/generations/$seed.log
  [ -f "$log" ] || "$bin" learned-optimizer generate --optimizer "$optimizer" --zoo "$out/zoo100" --task cord --seed "$seed" \
    --answer final --out "$study/generations/net-$seed" > "$log" 2>&1
done
prompt=$(sed -n 's/.*prompt \([0-9.]*\),.*/\1/p' "$study/generations/5000.log")
"$(dirname "$0")/batch_dice_stop.py" "$prompt" "$study"/generations/*.log
