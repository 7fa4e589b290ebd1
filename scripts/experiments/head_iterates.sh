#!/usr/bin/env bash
# Ways past the ~110 calls Adam's own step needs on gray-matter heads (2 fresh patches per call,
# calls of 4 iterations, at most 200, poly decay, the rate chosen for 200 calls): what a
# generation makes of its calls' networks (--iterates: as made; their exponential moving average
# checked and answering, decay 0.8-0.98; the network extrapolated along its move over the last N
# calls by a factor F after every N-th call, N 4-32, F 0.3-3); a constant rate (0.0019-0.0152)
# instead of poly decay; the filters an instance norm follows held at their norms
# (--filter-norms held) at rates 0.0005-0.0076. The 100-run zoo of head_time_graymatter.sh (made
# here when missing). Each evaluated over 16 unseen starts, every call checked, into
# OUT/iterates/NAME.json, two evaluations at a time (the calls to the target are compared, not the
# time), then each compared start by start with the networks as made (paired_generations.py).
# Every stage resumes.
# Usage: scripts/experiments/head_iterates.sh [OUT]
set -euo pipefail
out=${1:-runs/head-iterates}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
zoo=$out/zoo100-graymatter
"$(dirname "$0")/graymatter_head_zoo.sh" "$out" "$zoo"
study=$out/iterates
mkdir -p "$study"
optimizer=$study/adam-step
[ -d "$optimizer" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$optimizer" --gradient training-patches \
  --cases-per-call 2 --seed 0 --horizon 4 --maximum-calls 200 --schedule poly --history adam-step --steps 0 --width 8 --depth 1 \
  2> "$optimizer.log"
evaluate() {  # name, options
  local json=$study/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$optimizer" --zoo "$zoo" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 16 --answer final $2 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
runs=("as-made|" "ema:0.8|--iterates ema:0.8" "ema:0.9|--iterates ema:0.9" "ema:0.95|--iterates ema:0.95" "ema:0.98|--iterates ema:0.98")
for n in 4 8 16 32; do
  for f in 0.3 1 3; do runs+=("extrapolate:$n:$f|--iterates extrapolate:$n:$f"); done
done
for rate in 0.0019 0.0038 0.0076 0.0152; do runs+=("constant-$rate|--schedule constant --learning-rate $rate"); done
for rate in 0.0005 0.001 0.0019 0.0027 0.0038 0.0076; do runs+=("held-$rate|--filter-norms held --learning-rate $rate"); done
source "$(dirname "$0")/schedule.sh"
in_pairs evaluate "${runs[@]}"
for run in "${runs[@]:1}"; do
  echo "${run%%|*}: $("$(dirname "$0")/paired_generations.py" "$study/as-made.json" "$study/${run%%|*}.json")"
done
