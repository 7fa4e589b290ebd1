#!/usr/bin/env bash
# Cord-head rules that read one of their iterations' batches per call (--gradient
# run-first-batches:1) against the rules of head_call_length.sh (run first when missing; it makes
# the zoos and the rules reading all of them or fresh patches): the Adam's-moments rule
# distilled and trained through unrolled calls with the per-move loss beside (weight 1), as the
# batch rules of head_unrolled_calls.sh, and Adam's step (an untrained adam-step rule,
# --steps 0) on the same batch; on the 40-checkpoint zoo at horizon 5 (40 calls, 8 unrolled;
# rule seeds 0 and 1) and 10 (20 calls; rule seeds 0 and 1, and seed 0 through 16 unrolled
# calls), on the 100-run zoo at horizon 2 (100 calls, 16 unrolled; rule seeds 0 and 1); then
# through 8 and 16 unrolled calls side by side, at horizon 5 over rule seeds 0–3 and at horizon
# 10 over seed 1; and at horizon 5 reading the first 2 and 3 (seeds 0 and 1) of each
# call's batches. Each is evaluated at the recipe's rate answering with its best validation
# network into OUT/first-batch/NAME-best.json and with its last into OUT/first-batch/NAME-final.json.
# One thread per job, two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_first_batch.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_call_length.sh" "$out"
study=$out/first-batch
mkdir -p "$study"
generator() {  # name, zoo, seed, horizon, batches read per call, rule|step, the rule's unrolled calls and steps
  local name=$1 zoo=$2 seed=$3 horizon=$4 batches=$5 kind=$6
  local options=(--gradient "run-first-batches:$batches" --seed "$seed" --horizon "$horizon" --maximum-calls $((200 / horizon)))
  case $kind in
    rule) options+=(--unrolled-calls "$7" --unrolled-steps "$8" --history adam-moments --unrolled-move-weight 1) ;;
    step) options+=(--history adam-step --steps 0) ;;
  esac
  [ -d "$study/$name" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$study/$name" "${options[@]}" 2> "$study/$name.log"
  for answer in best final; do
    local json=$study/$name-$answer.json
    [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/$name" --zoo "$zoo" --seeds 16 --alignment-starts 0 \
      --fidelity-starts 8 --learning-rate recipe --answer "$answer" --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
  done
}
generator first-h5 "$out/zoo40" 0 5 1 rule 8 400 &
generator first-step-h5 "$out/zoo40" 0 5 1 step &
wait
generator first-h5-s1 "$out/zoo40" 1 5 1 rule 8 400 &
{ generator first-h10 "$out/zoo40" 0 10 1 rule 8 400
  generator first-step-h10 "$out/zoo40" 0 10 1 step; } &
wait
generator first-h2 "$out/zoo100" 0 2 1 rule 16 300 &
generator first-step-h2 "$out/zoo100" 0 2 1 step &
wait
generator first-h2-s1 "$out/zoo100" 1 2 1 rule 16 300
generator first-h10-s1 "$out/zoo40" 1 10 1 rule 8 400 &
generator first-h10-u16 "$out/zoo40" 0 10 1 rule 16 400 &
wait
generator first-h5-u16 "$out/zoo40" 0 5 1 rule 16 400 &
generator first-h5-u16-s1 "$out/zoo40" 1 5 1 rule 16 400 &
wait
for seed in 2 3; do
  generator first-h5-s$seed "$out/zoo40" "$seed" 5 1 rule 8 400 &
  generator first-h5-u16-s$seed "$out/zoo40" "$seed" 5 1 rule 16 400 &
  wait
done
generator first-h10-u16-s1 "$out/zoo40" 1 10 1 rule 16 400 &
generator first2-h5 "$out/zoo40" 0 5 2 rule 8 400 &
wait
generator first2-h5-s1 "$out/zoo40" 1 5 2 rule 8 400 &
generator first3-h5 "$out/zoo40" 0 5 3 rule 8 400 &
wait
generator first3-h5-s1 "$out/zoo40" 1 5 3 rule 8 400
grep -H 'unseen starts:' "$study"/*-eval.log
