#!/usr/bin/env bash
# Generations from fresh data answered by the mean of K of them: the 2-iteration rule of
# head_fidelity_starts.sh (run first when missing; it runs the studies before it) distilled
# instead on fresh draws of 16, 64 and 256 patches per call (seed 0, the runs' own moves), each
# generation reading its own stream of draws; evaluated over 16 unseen starts at the recipe's
# rate, one generation per start (last and best answers) and the mean of K = 4, 8, 16 (last) and
# 4, 8 (best), the mean of 8 (last) also over 32 starts. Controls, one generation and the mean of
# 8 (last): Adam's own step over the same 2-iteration calls, a rule learning a correction to it,
# the rule at one iteration per call on 8 patches (200 calls; also best answers), and Adam
# itself on fresh batches of 8 patches (head_fidelity_starts.sh's). Into OUT/mean-of-generations/NAME-ANSWER-gK[-32].json.
# One thread per job, two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_mean_of_generations.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_fidelity_starts.sh" "$out"
study=$out/mean-of-generations
mkdir -p "$study"
distil() {  # name, patches per call, horizon, history, then any other options
  local rule=$study/$1
  [ -d "$rule" ] || "$bin" learned-optimizer train --zoo "$out/zoo100" --out "$rule" --gradient training-patches --cases-per-call "$2" \
    --seed 0 --horizon "$3" --maximum-calls $((200 / $3)) --history "$4" "${@:5}" 2> "$rule.log"
}
evaluate() {  # optimiser folder, answer (final or best), K generations per start, starts (16 unless given)
  local starts=${4:-16} json=$study/$(basename "$1")-$2-g$3${4:+-$4}.json
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$1" --zoo "$out/zoo100" --seeds "$starts" --alignment-starts 0 \
    --fidelity-starts "$starts" --learning-rate recipe --answer "$2" --generations "$3" --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
{ distil fresh-p16 16 2 adam-moments; distil fresh-p64 64 2 adam-moments; distil fresh-p8-h1 8 1 adam-moments; distil fresh-p256 256 2 adam-moments; } &
{ distil fresh-step-p16 16 2 adam-step --steps 0; distil fresh-correction-p16 16 2 adam-step; } &
wait
{ for k in 1 4 8 16; do evaluate "$study/fresh-p16" final "$k"; done
  for rule in fresh-step-p16 fresh-correction-p16; do evaluate "$study/$rule" final 1; evaluate "$study/$rule" final 8; done; } &
{ evaluate "$study/fresh-p64" final 1
  for k in 1 4 8; do evaluate "$study/fresh-p16" best "$k"; done
  evaluate "$out/control/fresh-step-p8" final 8
  evaluate "$study/fresh-p8-h1" final 1; evaluate "$study/fresh-p8-h1" final 8; evaluate "$study/fresh-p8-h1" best 8; } &
wait
evaluate "$study/fresh-p16" final 8 32
evaluate "$study/fresh-p256" final 1
grep -H 'unseen starts:' "$study"/*-eval.log
