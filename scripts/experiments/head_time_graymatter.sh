#!/usr/bin/env bash
# The time goal on a second task, gray-matter heads, where the recipe takes more iterations to
# 0.9 x the prompt than on cord heads: a 100-run gray-matter head zoo of the cord zoos' plan
# (sct_head_datasets.sh's Dataset202_graymatter, 100 checkpoints per run with optimiser state),
# then the cord time studies' generators on it, calls of 4 iterations under poly decay, at most
# 50 (a zoo run's 200 iterations; the cord studies allowed 20): on 2 patches per call Adam's own
# step beside an untrained 8 x 1 rule and rules of 8 x 2 and 16 x 1 (3,000 steps); Adam's step
# on 4 and 8 patches. Each evaluated over 16 unseen starts, every call checked whole and bounded
# (--bounded-checks), twice, in turn so that each pair is timed alike, into
# OUT/time-graymatter/NAME-CHECKS-REPEAT.json; then Adam's step and the 8 x 2 rule on 2 patches
# allowed 200 calls (NAME-200-CHECKS-REPEAT.json), Adam's step also checked after every 8th call
# alone (a-w8-d1-200-every8-REPEAT.json); last, Adam's step plus a learned correction, 200 calls,
# once (s-w8-d1-c200-whole-1.json). One job at a time, nothing else running; every stage resumes.
# Usage: scripts/experiments/head_time_graymatter.sh [OUT]
set -euo pipefail
out=${1:-runs/head-time-graymatter}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
zoo=$out/zoo100
"$(dirname "$0")/graymatter_head_zoo.sh" "$out" "$zoo"
study=$out/time-graymatter
mkdir -p "$study"
# name:width:depth:history:steps:patches
optimisers="a-w8-d1:8:1:adam-step:0:2 r-w8-d2:8:2:adam-moments:3000:2 r-w16-d1:16:1:adam-moments:3000:2
  a-w8-d1-p4:8:1:adam-step:0:4 a-w8-d1-p8:8:1:adam-step:0:8"
for o in $optimisers; do
  IFS=: read -r name width depth history steps patches <<< "$o"
  [ -d "$study/$name" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$study/$name" --gradient training-patches \
    --cases-per-call "$patches" --seed 0 --horizon 4 --maximum-calls 50 --schedule poly --history "$history" --steps "$steps" \
    --width "$width" --depth "$depth" 2> "$study/$name.log"
done
evaluate() {  # optimiser name, json, further options
  local name=$1 json=$2
  shift 2
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/$name" --zoo "$zoo" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 16 --answer final "$@" --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
for repeat in 1 2; do
  for o in $optimisers; do
    evaluate "${o%%:*}" "$study/${o%%:*}-whole-$repeat.json"
    evaluate "${o%%:*}" "$study/${o%%:*}-bounded-$repeat.json" --bounded-checks
  done
done
for repeat in 1 2; do
  for name in a-w8-d1 r-w8-d2; do
    evaluate "$name" "$study/$name-200-whole-$repeat.json" --maximum-calls 200
    evaluate "$name" "$study/$name-200-bounded-$repeat.json" --maximum-calls 200 --bounded-checks
  done
done
for repeat in 1 2; do
  evaluate a-w8-d1 "$study/a-w8-d1-200-every8-$repeat.json" --maximum-calls 200 --checks every:8
done
# Adam's step plus a learned 8 x 1 correction (adam-step, 3,000 steps), its rate chosen for 200 calls.
[ -d "$study/s-w8-d1-c200" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$study/s-w8-d1-c200" --gradient training-patches \
  --cases-per-call 2 --seed 0 --horizon 4 --maximum-calls 200 --schedule poly --history adam-step --steps 3000 --width 8 --depth 1 \
  2> "$study/s-w8-d1-c200.log"
evaluate s-w8-d1-c200 "$study/s-w8-d1-c200-whole-1.json"
grep -H "time to 0" "$study"/*-eval.log
