#!/usr/bin/env bash
# Cord-head rules trained through unrolled calls (--unrolled-calls), on the zoos of
# head_learned_parameters.sh (run first when missing), against the distilled rules and Adam's
# own step of head_adam_control.sh. On the 100-run zoo's own batches at horizon 2 (100 calls):
# the Adam's-moments rule distilled (seeds 0 and 1) then trained through 8 calls (400 steps),
# seed 0 also through 16 (300 steps) and 4 (400 steps), and Adam's step (untrained adam-step)
# trained through 8 calls alone. On the 40-checkpoint zoo with 8 fresh patches per call at
# horizon 5 (40 calls): the same two through 8 calls, and the Adam's-moments rule of seed 1.
# Then the per-move loss beside the endpoint error (--unrolled-move-weight W): on the 100-run
# zoo, 8 calls (seed 0) and 16 calls (seeds 0 and 1) at W = 1; on the 40-checkpoint zoo, 8
# calls at W = 0.3, 1 (seeds 0 and 1) and 3, and 16 and 24 calls at W = 1, and 8 calls at W = 1
# distilled on the runs' own batches (seeds 0 and 1); the W = 1 patch rule also at the rate its
# calibration chose.
# Each is evaluated at the recipe's rate into OUT/unrolled/NAME-rr.json. One thread per job, at
# most two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_unrolled_calls.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_adam_control.sh" "$out"
unrolled=$out/unrolled
mkdir -p "$unrolled"
evaluate() {  # name, zoo, what the JSON is named after, options...
  local opt=$unrolled/$1 zoo=$2 json=$unrolled/$1-$3.json; shift 3
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$opt" --zoo "$zoo" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --json "$json" "$@" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
rule() {  # name, zoo, seed, options...
  local name=$1 zoo=$2 seed=$3; shift 3
  [ -d "$unrolled/$name" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$unrolled/$name" --seed "$seed" "$@" 2> "$unrolled/$name.log"
  evaluate "$name" "$zoo" rr --learning-rate recipe
}
runs=(--gradient run-batches --horizon 2 --maximum-calls 100)
patches=(--gradient training-patches --cases-per-call 8 --horizon 5 --maximum-calls 40)
u8=(--unrolled-calls 8 --unrolled-steps 400)
rule moments-u8 "$out/zoo100" 0 "${runs[@]}" "${u8[@]}" --history adam-moments &
rule step-u8 "$out/zoo100" 0 "${runs[@]}" "${u8[@]}" --history adam-step --steps 0 &
wait
rule moments-u16 "$out/zoo100" 0 "${runs[@]}" --history adam-moments --unrolled-calls 16 --unrolled-steps 300 &
{ rule patches-u8 "$out/zoo40" 0 "${patches[@]}" "${u8[@]}" --history adam-moments
  rule patches-step-u8 "$out/zoo40" 0 "${patches[@]}" "${u8[@]}" --history adam-step --steps 0; } &
wait
rule moments-u8-s1 "$out/zoo100" 1 "${runs[@]}" "${u8[@]}" --history adam-moments &
rule patches-u8-s1 "$out/zoo40" 1 "${patches[@]}" "${u8[@]}" --history adam-moments &
wait
rule moments-u4 "$out/zoo100" 0 "${runs[@]}" --history adam-moments --unrolled-calls 4 --unrolled-steps 400 &
rule patches-u8-w1 "$out/zoo40" 0 "${patches[@]}" "${u8[@]}" --history adam-moments --unrolled-move-weight 1 &
wait
rule moments-u16-w1 "$out/zoo100" 0 "${runs[@]}" --history adam-moments --unrolled-calls 16 --unrolled-steps 300 --unrolled-move-weight 1 &
{ rule patches-u8-w1-s1 "$out/zoo40" 1 "${patches[@]}" "${u8[@]}" --history adam-moments --unrolled-move-weight 1
  rule patches-u8-w3 "$out/zoo40" 0 "${patches[@]}" "${u8[@]}" --history adam-moments --unrolled-move-weight 3
  rule patches-u8-w0.3 "$out/zoo40" 0 "${patches[@]}" "${u8[@]}" --history adam-moments --unrolled-move-weight 0.3; } &
wait
rule moments-u8-w1 "$out/zoo100" 0 "${runs[@]}" "${u8[@]}" --history adam-moments --unrolled-move-weight 1 &
rule patches-u16-w1 "$out/zoo40" 0 "${patches[@]}" --history adam-moments --unrolled-calls 16 --unrolled-steps 400 --unrolled-move-weight 1 &
wait
rule moments-u16-w1-s1 "$out/zoo100" 1 "${runs[@]}" --history adam-moments --unrolled-calls 16 --unrolled-steps 300 --unrolled-move-weight 1 &
rule patches-u24-w1 "$out/zoo40" 0 "${patches[@]}" --history adam-moments --unrolled-calls 24 --unrolled-steps 300 --unrolled-move-weight 1 &
wait
batches5=(--gradient run-batches --horizon 5 --maximum-calls 40 "${u8[@]}" --history adam-moments --unrolled-move-weight 1)
rule batches5-u8-w1 "$out/zoo40" 0 "${batches5[@]}" &
evaluate patches-u8-w1 "$out/zoo40" calibrated &
wait
rule batches5-u8-w1-s1 "$out/zoo40" 1 "${batches5[@]}"
grep -H 'endpoint error' "$unrolled"/*.log
