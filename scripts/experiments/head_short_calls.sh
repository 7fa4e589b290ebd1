#!/usr/bin/env bash
# Calls of 2 iterations on cord heads, and the rule's size. A zoo of the first 100 runs of the head
# studies' plan with a checkpoint every 2 iterations, optimiser state kept (OUT/zoo100). Rules
# distilled with Adam's moments on its 72 Adam runs' own batches at horizon 2 (100 calls): width
# 64 × 3,000 steps and 128 × 6,000 (seeds 0–2 each), the channel graph, 128 × 12,000 and 256 × 6,000; and
# at horizon 5 (40 calls) on the same 72 runs of the 40-checkpoint zoo (OUT/zoo40, as
# head_run_batches.sh builds it; created here when missing). Each is evaluated on the 100-run zoo
# at the recipe's rate into OUT/RULE-rr.json; the ceiling of distillation at horizon 2 goes to
# OUT/predictability.txt. One thread per job, two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_short_calls.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
mkdir -p "$out"
zoo() {  # folder, runs, checkpoints per run (a zoo already there is kept, and so is the log of its creation)
  [ -f "$1/zoo.sqlite" ] || "$(dirname "$0")/cord_head_zoo.sh" "$out" "$1" "$2" "$3" --checkpoint-content parameters-and-optimizer-state \
    2> "$1.log"
}
rule() {  # name, zoo, options...
  local opt="$out/$1" zoo=$2; shift 2
  [ -d "$opt" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$opt" --history adam-moments --gradient run-batches "$@" 2> "$opt.log"
  [ -f "$opt-rr.json" ] || "$bin" learned-optimizer evaluate --optimizer "$opt" --zoo "$out/zoo100" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --learning-rate recipe --json "$opt-rr.json" > "$opt-rr.txt" 2> "$opt-rr-eval.log"
}
h2() {  # name, seed, options...
  local name=$1 seed=$2; shift 2
  rule "$name" "$out/zoo100" --seed "$seed" --horizon 2 --maximum-calls 100 "$@"
}
zoo "$out/zoo100" 100 100
zoo "$out/zoo40" 200 40
# Written whole or not at all, so a failed measurement is not taken for a done one on resuming.
[ -f "$out/predictability.txt" ] || { "$bin" learned-optimizer predictability --zoo "$out/zoo100" --horizon 2 --runs 72 \
  > "$out/predictability.tmp" && mv "$out/predictability.tmp" "$out/predictability.txt"; }
h2 h2-s0 0 &
rule h5r72-s0 "$out/zoo40" --seed 0 --runs 72 --horizon 5 --maximum-calls 40 &
wait
h2 h2-w128-s0 0 --width 128 --steps 6000 &
h2 h2-graph-s0 0 --scope channel-graph &
wait
h2 h2-w256-s0 0 --width 256 --steps 6000 &
h2 h2-w128-long-s0 0 --width 128 --steps 12000 &
wait
h2 h2-w128-s1 1 --width 128 --steps 6000 &
h2 h2-w128-s2 2 --width 128 --steps 6000 &
wait
h2 h2-s1 1 &
h2 h2-s2 2 &
wait
cat "$out/predictability.txt"
grep -H 'unseen starts:' "$out"/*-rr-eval.log
