#!/usr/bin/env bash
# Whole phantom networks from calls that each read one batch of the recipe (--gradient
# run-first-batches:1) and stand for many of its iterations: can a call do the work of more of
# Adam's iterations than its gradient costs? After acceptance_learned_optimizer.sh (run first
# when missing; it makes the zoo and the rules that read all of their batches), on the same zoo:
# the Adam's-moments rule distilled and trained through 8 unrolled calls with the per-move loss
# beside (weight 1), the same distilled alone, and Adam's own step on the same batch (an
# untrained adam-step rule, --steps 0), at horizon 25 (64 calls); the unrolled rule and Adam's
# step at horizon 10 (160 calls). Each is evaluated from 16 unseen starts per task at its
# calibrated rates into OUT/first-batch/NAME.json; the horizon-10 rule once more with the mean
# of 4 more recipe trainings per fidelity start (--rerun-mean 4). One thread per job, two jobs
# at a time; every stage resumes.
# Usage: scripts/experiments/acceptance_first_batch.sh [OUT]
set -euo pipefail
out=${1:-runs/acceptance-learned-optimizer}
bin=${WEIGHTGEN:-.build/release/weightgen}
"$(dirname "$0")/acceptance_learned_optimizer.sh" "$out"
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
study=$out/first-batch
mkdir -p "$study"
generator() {  # name, horizon, rule|distilled|step
  local name=$1 options=(--gradient run-first-batches:1 --horizon "$2" --maximum-calls $((1600 / $2)))
  case $3 in
    rule) options+=(--history adam-moments --unrolled-calls 8 --unrolled-steps 400 --unrolled-move-weight 1) ;;
    distilled) options+=(--history adam-moments) ;;
    step) options+=(--history adam-step --steps 0) ;;
  esac
  [ -d "$study/$name" ] || "$bin" learned-optimizer train --zoo "$out/zoo" --out "$study/$name" "${options[@]}" 2> "$study/$name.log"
  [ -f "$study/$name.json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/$name" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --json "$study/$name.json" > "$study/$name.txt" 2> "$study/$name-eval.log"
}
generator first-h25 25 rule &
{ generator first-step-h25 25 step
  generator first-h25-distilled 25 distilled
  generator first-h10 10 rule; } &
wait
generator first-step-h10 10 step
# The 10-iteration rule again, with the mean of 4 more recipe trainings per fidelity start on other data orders.
[ -f "$study/first-h10-rerun-mean-4.json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/first-h10" --seeds 16 \
  --alignment-starts 0 --fidelity-starts 8 --rerun-mean 4 --json "$study/first-h10-rerun-mean-4.json" \
  > "$study/first-h10-rerun-mean-4.txt" 2> "$study/first-h10-rerun-mean-4-eval.log"
grep -H 'unseen starts:' "$study"/*-eval.log
