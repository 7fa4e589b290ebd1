#!/usr/bin/env bash
# One generation from fresh data, each start on its own data order, answered by the mean of its
# last K networks (Polyak's iterate averaging): Adam itself on fresh batches of 8 patches (one
# iteration per call, 200 calls) with K = 1, 25, 50, 100, and the rule distilled on 16 patches
# for 2-iteration calls (100 calls) with K = 1, 12, 25, 50, and the rule distilled on 8 patches for
# 1-iteration calls (200 calls) with K = 1, 100; Adam itself and the 1-iteration rule also on
# another set of orders (streams from 64) with K = 1 (all made here when missing, where
# head_streams.sh and head_mean_of_generations.sh make them; the 100-run zoo too, as
# head_short_calls.sh makes it), each over 16 unseen starts at the recipe's rate, answering with the last
# network (`--streams per-start`, `--average-last K`). Into OUT/iterate-average/NAME-aK[-s64].json.
# One thread per job, two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_iterate_average.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
study=$out/iterate-average
mkdir -p "$study"
[ -f "$out/zoo100/zoo.sqlite" ] || "$(dirname "$0")/cord_head_zoo.sh" "$out" "$out/zoo100" 100 100 \
  --checkpoint-content parameters-and-optimizer-state 2> "$out/zoo100.log"
train() {  # folder, options
  mkdir -p "$(dirname "$1")"
  [ -d "$1" ] || "$bin" learned-optimizer train --zoo "$out/zoo100" --out "$1" --gradient training-patches "${@:2}" 2> "$1.log"
}
train "$out/control/fresh-step-p8" --cases-per-call 8 --horizon 1 --maximum-calls 200 --history adam-step --steps 0 &
train "$out/mean-of-generations/fresh-p16" --cases-per-call 16 --seed 0 --horizon 2 --maximum-calls 100 --history adam-moments &
wait
train "$out/mean-of-generations/fresh-p8-h1" --cases-per-call 8 --seed 0 --horizon 1 --maximum-calls 200 --history adam-moments
evaluate() {  # optimiser folder, name, K, first stream (0 unless given)
  local json=$study/$2-a$3${4:+-s$4}.json
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$1" --zoo "$out/zoo100" --seeds 16 --alignment-starts 0 --fidelity-starts 16 \
    --learning-rate recipe --answer final --streams per-start --average-last "$3" --first-stream "${4:-0}" --json "$json" \
    > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
{ for k in 1 50; do evaluate "$out/control/fresh-step-p8" step-p8 "$k"; done
  for k in 1 25; do evaluate "$out/mean-of-generations/fresh-p16" fresh-p16 "$k"; done; } &
{ for k in 100 25; do evaluate "$out/control/fresh-step-p8" step-p8 "$k"; done
  for k in 50 12; do evaluate "$out/mean-of-generations/fresh-p16" fresh-p16 "$k"; done; } &
wait
for k in 1 100; do evaluate "$out/mean-of-generations/fresh-p8-h1" fresh-p8-h1 "$k" & done
wait
evaluate "$out/control/fresh-step-p8" step-p8 1 64 &
evaluate "$out/mean-of-generations/fresh-p8-h1" fresh-p8-h1 1 64 &
wait
grep -H 'unseen starts:' "$study"/*-eval.log
