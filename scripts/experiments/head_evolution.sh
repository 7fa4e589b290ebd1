#!/usr/bin/env bash
# Meta-training for speed by evolution strategies (--evolution-steps) against Adam's own step over
# the same calls (adam-step, untrained 8 x 1 rule: the start every evolved rule begins from), on
# 2 fresh patches per call, calls of 4 iterations under poly decay. Gray-matter heads (the 100-run
# zoo of head_time_graymatter.sh, made here when missing; at most 200 calls): scored over the first
# 60 calls at spread 0.05 and rate 0.01 (150 steps) and at spread 0.2, rate 0.03, 16 pairs (150
# steps), and over all 200 calls at spread 0.1, rate 0.02 (100 and 300 steps). Cord heads (the
# 100-run zoo of cord_head_zoo.sh; at most 20 calls): over the first 8 calls, 200 steps. Each
# evaluated over 16 unseen starts, every call checked, into OUT/evolution/NAME.json; then timed:
# Adam's step and the 300-step rule (cord: the evolved rule) evaluated in turn, twice
# (NAME-tREPEAT.json), and each compared start by start with Adam's step (paired_generations.py).
# One job at a time, nothing else running; every stage resumes.
# Usage: scripts/experiments/head_evolution.sh [OUT]
set -euo pipefail
out=${1:-runs/head-evolution}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
gm=$out/zoo100-graymatter
"$(dirname "$0")/graymatter_head_zoo.sh" "$out" "$gm"
cord=$out/zoo100-cord
"$(dirname "$0")/cord_head_zoo.sh" "$out" "$cord" 100 100 --checkpoint-content parameters-and-optimizer-state 2> "$cord.log"
study=$out/evolution
mkdir -p "$study"
# name:zoo:maximum calls:evolution options
optimisers=(
  "gm-adam:$gm:200:"
  "gm-k60:$gm:200:--evolution-steps 150 --evolution-calls 60"
  "gm-k60-wide:$gm:200:--evolution-steps 150 --evolution-calls 60 --evolution-sigma 0.2 --evolution-rate 0.03 --evolution-pairs 16"
  "gm-k200:$gm:200:--evolution-steps 100 --evolution-calls 200 --evolution-sigma 0.1 --evolution-rate 0.02"
  "gm-k200-300:$gm:200:--evolution-steps 300 --evolution-calls 200 --evolution-sigma 0.1 --evolution-rate 0.02"
  "cord-adam:$cord:20:"
  "cord-k8:$cord:20:--evolution-steps 200 --evolution-calls 8"
)
evaluate() {  # name, zoo, json
  [ -f "$3" ] || "$bin" learned-optimizer evaluate --optimizer "$study/$1" --zoo "$2" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 16 --answer final --json "$3" > "${3%.json}.txt" 2> "${3%.json}-eval.log"
}
for o in "${optimisers[@]}"; do
  IFS=: read -r name zoo calls options <<< "$o"
  # shellcheck disable=SC2086 # the options are words
  [ -d "$study/$name" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$study/$name" --gradient training-patches \
    --cases-per-call 2 --seed 0 --horizon 4 --maximum-calls "$calls" --schedule poly --history adam-step --steps 0 --width 8 --depth 1 \
    $options 2> "$study/$name.log"
  evaluate "$name" "$zoo" "$study/$name.json"
done
for repeat in 1 2; do
  for pair in "gm-k200-300:$gm" "gm-adam:$gm" "cord-k8:$cord" "cord-adam:$cord"; do
    evaluate "${pair%%:*}" "${pair#*:}" "$study/${pair%%:*}-t$repeat.json"
  done
done
for name in gm-k60 gm-k60-wide gm-k200 gm-k200-300; do "$(dirname "$0")/paired_generations.py" "$study/gm-adam.json" "$study/$name.json"; done
"$(dirname "$0")/paired_generations.py" "$study/cord-adam.json" "$study/cord-k8.json"
for repeat in 1 2; do
  "$(dirname "$0")/paired_generations.py" "$study/gm-adam-t$repeat.json" "$study/gm-k200-300-t$repeat.json"
  "$(dirname "$0")/paired_generations.py" "$study/cord-adam-t$repeat.json" "$study/cord-k8-t$repeat.json"
done
