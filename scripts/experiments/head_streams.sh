#!/usr/bin/env bash
# One generation from fresh data, over several data orders: Adam itself on fresh batches of 8
# patches (one iteration per call, 200 calls; head_fidelity_starts.sh's control) and the rule
# distilled on 16 patches per call (2-iteration calls; head_mean_of_generations.sh's, run first
# when missing), each evaluated over 16 unseen starts at the recipe's rate, answering with the
# last network, from fresh-draw streams 0-5 (every start reads the same stream); and Adam's step
# on the recipe's own batches, which should land on the recipe's network. Into
# OUT/streams/NAME-sS.json. One job at a time; every stage resumes.
# Usage: scripts/experiments/head_streams.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_mean_of_generations.sh" "$out"
study=$out/streams
mkdir -p "$study"
evaluate() {  # optimiser folder, json, other options
  [ -f "$2" ] || "$bin" learned-optimizer evaluate --optimizer "$1" --zoo "$out/zoo100" --seeds 16 --alignment-starts 0 --fidelity-starts 16 \
    --learning-rate recipe --answer final --json "$2" "${@:3}" > "${2%.json}.txt" 2> "${2%.json}-eval.log"
}
for stream in 0 1 2 3 4 5; do
  evaluate "$out/control/fresh-step-p8" "$study/step-p8-s$stream.json" --first-stream "$stream"
  evaluate "$out/mean-of-generations/fresh-p16" "$study/fresh-p16-s$stream.json" --first-stream "$stream"
done
evaluate "$out/control/fresh-step-p8" "$study/step-p8-recipe-batches.json" --data recipe-batches
grep -H 'unseen starts:' "$study"/*-eval.log
