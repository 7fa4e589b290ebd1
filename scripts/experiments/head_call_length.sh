#!/usr/bin/env bash
# Cord-head rules on fresh patches against Adam's own step (an untrained adam-step rule,
# --steps 0) as the iterations per call grow, and with more patches per call, after the studies
# of head_unrolled_calls.sh (run first when missing; it makes the zoos and their controls). The
# rules are distilled with Adam's moments and trained through unrolled calls with the per-move
# loss beside (weight 1), as that study's horizon-5 patch rules. Every generation covers the
# recipe's 200 iterations: on the 40-checkpoint zoo horizon 10 (20 calls; rule seeds 0 and 1)
# and 25 (8 calls), 8 patches per call; horizon 5 (40 calls) with 64; on the 100-run zoo horizon
# 2 (100 calls, 16 unrolled), and Adam's step at horizon 1 (200 calls: Adam on fresh batches)
# with 8 and 64 patches. Each is evaluated at the recipe's rate into OUT/call-length/NAME-rr.json;
# then the 1- and 2-iteration ones, the horizon-5 patch rule and Adam's step, the 100-run zoo's
# rule on its runs' batches (and its distilled self) and Adam on the recipe's own batches, and
# the 40-checkpoint zoo's horizon-5 rules on its runs' batches (seeds 0 and 1) and Adam's step
# there, again
# answering with their last networks (--answer final) into OUT/call-length/NAME-final.json.
# One thread per job, two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_call_length.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_unrolled_calls.sh" "$out"
study=$out/call-length
mkdir -p "$study"
generator() {  # name, zoo, seed, horizon, patches per call, rule|step, options...
  local name=$1 zoo=$2 seed=$3 horizon=$4 patches=$5 kind=$6; shift 6
  local options=(--gradient training-patches --cases-per-call "$patches" --seed "$seed" --horizon "$horizon"
                 --maximum-calls $((200 / horizon)) "$@")
  case $kind in
    rule) options+=(--history adam-moments --unrolled-move-weight 1) ;;
    step) options+=(--history adam-step --steps 0) ;;
  esac
  [ -d "$study/$name" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$study/$name" "${options[@]}" 2> "$study/$name.log"
  evaluate "$study/$name" "$zoo" "$name-rr"
}
evaluate() {  # optimiser folder, zoo, what the JSON is named, options...
  local opt=$1 zoo=$2 json=$study/$3.json; shift 3
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$opt" --zoo "$zoo" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --learning-rate recipe --json "$json" "$@" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
u8=(--unrolled-calls 8 --unrolled-steps 400)
generator rule-h10 "$out/zoo40" 0 10 8 rule "${u8[@]}" &
generator step-h10 "$out/zoo40" 0 10 8 step &
wait
generator rule-h25 "$out/zoo40" 0 25 8 rule "${u8[@]}" &
{ generator step-h25 "$out/zoo40" 0 25 8 step
  generator step-h5-p64 "$out/zoo40" 0 5 64 step; } &
wait
generator rule-h2 "$out/zoo100" 0 2 8 rule --unrolled-calls 16 --unrolled-steps 300 &
{ generator step-h2 "$out/zoo100" 0 2 8 step
  generator step-h1 "$out/zoo100" 0 1 8 step
  generator step-h1-p64 "$out/zoo100" 0 1 64 step; } &
wait
generator rule-h5-p64 "$out/zoo40" 0 5 64 rule "${u8[@]}" &
generator rule-h10-s1 "$out/zoo40" 1 10 8 rule "${u8[@]}" &
wait
final() {  # optimiser folder, zoo, name
  evaluate "$1" "$2" "$3-final" --answer final
}
{ final "$study/step-h1" "$out/zoo100" step-h1
  final "$study/rule-h2" "$out/zoo100" rule-h2
  final "$study/step-h2" "$out/zoo100" step-h2; } &
{ final "$out/unrolled/patches-u8-w1" "$out/zoo40" patches-u8-w1
  final "$out/control/step-h5" "$out/zoo40" step-h5
  final "$out/unrolled/moments-u16-w1" "$out/zoo100" moments-u16-w1
  final "$out/control/step-h1" "$out/zoo100" runs-step-h1
  final "$out/held/moments-s0" "$out/zoo100" moments-s0; } &
wait
[ -d "$study/runs-step-h5" ] || "$bin" learned-optimizer train --zoo "$out/zoo40" --out "$study/runs-step-h5" --gradient run-batches \
  --seed 0 --horizon 5 --maximum-calls 40 --history adam-step --steps 0 2> "$study/runs-step-h5.log"
{ final "$out/unrolled/batches5-u8-w1" "$out/zoo40" batches5-u8-w1
  final "$out/unrolled/batches5-u8-w1-s1" "$out/zoo40" batches5-u8-w1-s1; } &
final "$study/runs-step-h5" "$out/zoo40" runs-step-h5 &
wait
grep -H 'unseen starts:' "$study"/*-eval.log
