#!/usr/bin/env bash
# The time goal and the rule's size on cord heads: what a call costs against a recipe iteration.
# On the 100-run head zoo of head_fidelity_starts.sh (run first when missing), calls of 4
# iterations on 2 patches (at most 20, poly decay), each optimiser evaluated twice over 16 unseen
# starts (the two evaluations differ only in their timings):
#  - rules of width 64, 32, 16, 8 with two hidden layers and 16, 8 with one (adam-moments,
#    3,000 steps; the 16-wide one-layer rule also from distillation seeds 1 and 2);
#  - Adam's own step (adam-step, untrained) beside an untrained rule of width 64 (two layers) or 8 (one);
#  - Adam's step on 1, 4 and 8 patches per call and the 16-wide two-layer rule on 1 and 4.
# Into OUT/rule-size/NAME-REPEAT.json. One job at a time, nothing else running; every stage resumes.
# Usage: scripts/experiments/head_rule_size.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_fidelity_starts.sh" "$out"
study=$out/rule-size
mkdir -p "$study"
# name:width:depth:history:steps:patches:seed
optimisers="r-w64-d2:64:2:adam-moments:3000:2:0 r-w32-d2:32:2:adam-moments:3000:2:0 r-w16-d2:16:2:adam-moments:3000:2:0
  r-w8-d2:8:2:adam-moments:3000:2:0 r-w16-d1:16:1:adam-moments:3000:2:0 r-w8-d1:8:1:adam-moments:3000:2:0
  a-w8-d1:8:1:adam-step:0:2:0 a-w64-d2:64:2:adam-step:0:2:0
  a-w8-d1-p1:8:1:adam-step:0:1:0 a-w8-d1-p4:8:1:adam-step:0:4:0 a-w8-d1-p8:8:1:adam-step:0:8:0
  r-w16-d2-p4:16:2:adam-moments:3000:4:0 r-w16-d2-p1:16:2:adam-moments:3000:1:0
  r-w16-d1-s1:16:1:adam-moments:3000:2:1 r-w16-d1-s2:16:1:adam-moments:3000:2:2"
for o in $optimisers; do
  IFS=: read -r name width depth history steps patches seed <<< "$o"
  [ -d "$study/$name" ] || "$bin" learned-optimizer train --zoo "$out/zoo100" --out "$study/$name" --gradient training-patches \
    --cases-per-call "$patches" --seed "$seed" --horizon 4 --maximum-calls 20 --schedule poly --history "$history" --steps "$steps" \
    --width "$width" --depth "$depth" 2> "$study/$name.log"
done
for repeat in 1 2; do
  for o in $optimisers; do
    name=${o%%:*}; json=$study/$name-$repeat.json
    [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/$name" --zoo "$out/zoo100" --seeds 16 --alignment-starts 0 \
      --fidelity-starts 16 --answer final --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
  done
done
grep -H 'unseen starts:' "$study"/*-eval.log
