#!/usr/bin/env bash
# Patches per call on gray-matter heads with 200 calls allowed: Adam's own step (calls of 4
# iterations, poly decay, the rate chosen for 200 calls) on 1, 2 and 4 fresh patches per call.
# Whether a generation there is limited by its calls (as many calls whatever a call reads: the
# cheapest call is fastest) or by the patches it reads (calls in inverse proportion to patches).
# The 100-run zoo of head_time_graymatter.sh (made here when missing). Each evaluated over 16
# unseen starts, every call checked, in turn, twice (OUT/call-patches/pP-REPEAT.json), one job at a
# time with nothing else running; then 1 and 4 patches compared start by start with 2
# (paired_generations.py). Every stage resumes.
# Usage: scripts/experiments/head_call_patches_graymatter.sh [OUT]
set -euo pipefail
out=${1:-runs/head-call-patches}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
zoo=$out/zoo100-graymatter
"$(dirname "$0")/graymatter_head_zoo.sh" "$out" "$zoo"
study=$out/call-patches
mkdir -p "$study"
for p in 1 2 4; do
  [ -d "$study/p$p" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$study/p$p" --gradient training-patches \
    --cases-per-call "$p" --seed 0 --horizon 4 --maximum-calls 200 --schedule poly --history adam-step --steps 0 --width 8 --depth 1 \
    2> "$study/p$p.log"
done
for repeat in 1 2; do
  for p in 1 2 4; do
    json=$study/p$p-$repeat.json
    [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/p$p" --zoo "$zoo" --seeds 16 --alignment-starts 0 \
      --fidelity-starts 16 --answer final --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
  done
done
grep -H "time to 0" "$study"/*-eval.log
for p in 1 4; do
  for repeat in 1 2; do
    echo "p$p - p2 ($repeat): $("$(dirname "$0")/paired_generations.py" "$study/p2-$repeat.json" "$study/p$p-$repeat.json")"
  done
done
