#!/usr/bin/env bash
# Cord-head rules that neither learn nor move the parameters the output does not depend on (each
# conv block's bias, which its instance norm subtracts), on the zoos of head_short_calls.sh
# (OUT/zoo100 and OUT/zoo40, made here when missing). At horizon 2 (100 calls) on the 100-run
# zoo's 72 Adam runs' own batches: Adam's moments at width 64 (seeds 0–2) and 128 × 6,000 steps,
# and Adam's step plus a learned correction (adam-step) at both widths. At horizon 5 (40 calls)
# on the 40-checkpoint zoo: the same 72 runs' own batches, and 8 fresh patches per call. Each is
# evaluated at the recipe's rate into OUT/held/RULE-rr.json, on the 100-run zoo but for the patch
# rule (on the 40-checkpoint zoo, as head_run_batches.sh evaluates it). The ceiling of
# distillation at horizon 2, weighted as distillation weighs the parameters, goes to
# OUT/held/predictability.txt. One thread per job, two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_learned_parameters.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
held=$out/held
mkdir -p "$held"
zoo() {  # folder, runs, checkpoints per run (a zoo already there is kept, and so is the log of its creation)
  [ -f "$1/zoo.sqlite" ] || "$(dirname "$0")/cord_head_zoo.sh" "$out" "$1" "$2" "$3" --checkpoint-content parameters-and-optimizer-state \
    2> "$1.log"
}
rule() {  # name, zoo distilled from, zoo evaluated on, options...
  local opt="$held/$1" zoo=$2 evaluated=$3; shift 3
  [ -d "$opt" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$opt" "$@" 2> "$opt.log"
  [ -f "$opt-rr.json" ] || "$bin" learned-optimizer evaluate --optimizer "$opt" --zoo "$evaluated" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --learning-rate recipe --json "$opt-rr.json" > "$opt-rr.txt" 2> "$opt-rr-eval.log"
}
h2() {  # name, history, seed, options...
  local name=$1 history=$2 seed=$3; shift 3
  rule "$name" "$out/zoo100" "$out/zoo100" --history "$history" --gradient run-batches --seed "$seed" --horizon 2 --maximum-calls 100 "$@"
}
zoo "$out/zoo100" 100 100
zoo "$out/zoo40" 200 40
h2 moments-s0 adam-moments 0 &
h2 step-s0 adam-step 0 &
wait
h2 moments-s1 adam-moments 1 &
h2 moments-s2 adam-moments 2 &
wait
h2 moments-w128-s0 adam-moments 0 --width 128 --steps 6000 &
h2 step-w128-s0 adam-step 0 --width 128 --steps 6000 &
wait
rule moments-h5-s0 "$out/zoo40" "$out/zoo100" --runs 72 --history adam-moments --gradient run-batches --seed 0 --horizon 5 \
  --maximum-calls 40 &
rule patches-h5-s0 "$out/zoo40" "$out/zoo40" --history adam-moments --gradient training-patches --cases-per-call 8 --horizon 5 \
  --maximum-calls 40 &
wait
[ -f "$held/predictability.txt" ] || { "$bin" learned-optimizer predictability --zoo "$out/zoo100" --horizon 2 --runs 72 \
  > "$held/predictability.tmp" && mv "$held/predictability.tmp" "$held/predictability.txt"; }
cat "$held/predictability.txt"
grep -H 'unseen starts:' "$held"/*-rr-eval.log
