#!/usr/bin/env bash
# The learned optimiser on the cord head zoo, reading its runs' own batches. Two 200-run cord
# head zoos of one plan (head_scale_study.sh's: the same runs) that keep each checkpoint's
# optimiser state, one with 10 checkpoints per 200-iteration run, one with 40. Rules distilled
# with Adam's moments:
#   patches      8 fresh pool patches per call, 64 calls of 25 iterations (the head zoo's standard);
#   batches      the runs' own batches, 64 calls of 25 iterations;
#   checkpoints  the runs' own batches, 10 calls of 20 iterations: the run's 200 iterations
#                spread over the calls, each call reading exactly the iterations it stands for;
#   control      as checkpoints, on another data order of the same recipe;
#   patches-h5, checkpoints-h5, control-h5   the same three on the 40-checkpoint zoo, 40 calls
#                of 5 iterations.
# Each is evaluated from 16 unseen starts with the audit into OUT/RULE-sSEED.json at the rate its
# calibration chose, and into OUT/RULE-sSEED-rr.json at the recipe's own rate (the best
# validation run's). A rule reading run batches generates on the recipe's batches. Every stage
# resumes. One thread per job, two jobs at a time.
# Usage: scripts/experiments/head_run_batches.sh [OUT] [SEED]
set -euo pipefail
out=${1:-runs/head-run-batches}
seed=${2:-0}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
mkdir -p "$out"
zoo() {  # folder, checkpoints per run (a zoo already there is kept, and so is the log of its creation)
  [ -f "$1/zoo.sqlite" ] || "$(dirname "$0")/cord_head_zoo.sh" "$out" "$1" 200 "$2" --checkpoint-content parameters-and-optimizer-state \
    2> "$1.log"
}
rule() {  # zoo, name, options...
  local zoo=$1 name=$2; shift 2
  local opt="$out/$name-s$seed"
  [ -d "$opt" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$opt" --history adam-moments --seed "$seed" "$@" \
    2> "$opt.log"
  [ -f "$opt.json" ] || "$bin" learned-optimizer evaluate --optimizer "$opt" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --json "$opt.json" > "$opt.txt" 2> "$opt-eval.log"
  [ -f "$opt-rr.json" ] || "$bin" learned-optimizer evaluate --optimizer "$opt" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --learning-rate recipe --json "$opt-rr.json" > "$opt-rr.txt" 2> "$opt-rr-eval.log"
}
zoo "$out/zoo" 10
rule "$out/zoo" patches --gradient training-patches --cases-per-call 8 &
rule "$out/zoo" batches --gradient run-batches &
wait
rule "$out/zoo" checkpoints --gradient run-batches --horizon 20 --maximum-calls 10 &
rule "$out/zoo" control --gradient other-run-batches --horizon 20 --maximum-calls 10 &
wait
zoo "$out/zoo40" 40
rule "$out/zoo40" patches-h5 --gradient training-patches --cases-per-call 8 --horizon 5 --maximum-calls 40 &
rule "$out/zoo40" checkpoints-h5 --gradient run-batches --horizon 5 --maximum-calls 40 &
wait
rule "$out/zoo40" control-h5 --gradient other-run-batches --horizon 5 --maximum-calls 40
grep -h 'unseen starts:' "$out"/*-s"$seed"*-eval.log
