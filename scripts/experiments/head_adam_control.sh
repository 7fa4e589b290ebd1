#!/usr/bin/env bash
# Cord-head learned rules against Adam's own step over the same calls (an untrained adam-step
# rule, --steps 0), on the zoos and rules of head_learned_parameters.sh (run first when missing).
# On the 100-run zoo's own batches at the recipe's rate: Adam's step over 100 calls of 2 iterations
# and over 200 calls of 1 (Adam itself but for its ε), and the learned horizon-2 rules evaluated
# again, all with start fidelity against the recipe's own answer to the prompt. On the
# 40-checkpoint zoo with 8 fresh patches per call: Adam's step and a learned rule at horizons 5
# (40 calls) and 25 (16 calls), each at the recipe's rate and at the rate chosen on validation.
# Evaluations go to OUT/control/NAME-RATE.json. One thread per job, two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_adam_control.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_learned_parameters.sh" "$out"
control=$out/control
mkdir -p "$control"
train() {  # name, zoo, options...
  local opt=$control/$1 zoo=$2; shift 2
  [ -d "$opt" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$opt" --seed 0 "$@" 2> "$opt.log"
}
evaluate() {  # optimiser folder, name, rate (recipe or calibrated), options...
  local opt=$1 json=$control/$2-$3.json rate=$3; shift 3
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$opt" --seeds 16 --alignment-starts 0 --fidelity-starts 8 \
    --learning-rate "$rate" --json "$json" "$@" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
runs=(--gradient run-batches --history adam-step --steps 0)
{ train step-h2 "$out/zoo100" "${runs[@]}" --horizon 2 --maximum-calls 100
  evaluate "$control/step-h2" step-h2 recipe --zoo "$out/zoo100"; } &
{ train step-h1 "$out/zoo100" "${runs[@]}" --horizon 1 --maximum-calls 200
  evaluate "$control/step-h1" step-h1 recipe --zoo "$out/zoo100"; } &
wait
for pair in "moments-s0 moments-s1" "moments-s2 step-s0"; do
  for rule in $pair; do evaluate "$out/held/$rule" "$rule" recipe --zoo "$out/zoo100" & done
  wait
done
patches=(--gradient training-patches --cases-per-call 8)
train step-h5 "$out/zoo40" "${patches[@]}" --history adam-step --steps 0 --horizon 5 --maximum-calls 40 &
train patches-h25 "$out/zoo40" "${patches[@]}" --history adam-moments --horizon 25 --maximum-calls 16 &
wait
train step-h25 "$out/zoo40" "${patches[@]}" --history adam-step --steps 0 --horizon 25 --maximum-calls 16
for rate in recipe calibrated; do
  evaluate "$out/held/patches-h5-s0" patches-h5 "$rate" &
  evaluate "$control/step-h5" step-h5 "$rate" &
  wait
  evaluate "$control/patches-h25" patches-h25 "$rate" &
  evaluate "$control/step-h25" step-h25 "$rate" &
  wait
done
grep -H 'unseen starts:' "$control"/*-eval.log
