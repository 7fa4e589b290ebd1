#!/usr/bin/env bash
# Cord-head rules that read one of their iterations' batches per call (--gradient
# run-first-batch) against the rules of head_call_length.sh (run first when missing; it makes
# the zoos and the rules reading all of them or fresh patches): the Adam's-moments rule
# distilled and trained through unrolled calls with the per-move loss beside (weight 1), as the
# batch rules of head_unrolled_calls.sh, and Adam's step (an untrained adam-step rule,
# --steps 0) on the same batch; on the 40-checkpoint zoo at horizon 5 (40 calls, 8 unrolled;
# rule seeds 0 and 1) and 10 (20 calls; rule seeds 0 and 1, and seed 0 through 16 unrolled
# calls), on the 100-run zoo at horizon 2 (100 calls, 16 unrolled; rule seeds 0 and 1). Each
# is evaluated at the recipe's rate answering with its best validation network into
# OUT/first-batch/NAME-best.json and with its last into OUT/first-batch/NAME-final.json.
# One thread per job, two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_first_batch.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_call_length.sh" "$out"
study=$out/first-batch
mkdir -p "$study"
generator() {  # name, zoo, seed, horizon, rule|step, the rule's unrolled calls and steps
  local name=$1 zoo=$2 seed=$3 horizon=$4 kind=$5
  local options=(--gradient run-first-batch --seed "$seed" --horizon "$horizon" --maximum-calls $((200 / horizon)))
  case $kind in
    rule) options+=(--unrolled-calls "$6" --unrolled-steps "$7" --history adam-moments --unrolled-move-weight 1) ;;
    step) options+=(--history adam-step --steps 0) ;;
  esac
  [ -d "$study/$name" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$study/$name" "${options[@]}" 2> "$study/$name.log"
  for answer in best final; do
    local json=$study/$name-$answer.json
    [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/$name" --zoo "$zoo" --seeds 16 --alignment-starts 0 \
      --fidelity-starts 8 --learning-rate recipe --answer "$answer" --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
  done
}
generator first-h5 "$out/zoo40" 0 5 rule 8 400 &
generator first-step-h5 "$out/zoo40" 0 5 step &
wait
generator first-h5-s1 "$out/zoo40" 1 5 rule 8 400 &
{ generator first-h10 "$out/zoo40" 0 10 rule 8 400
  generator first-step-h10 "$out/zoo40" 0 10 step; } &
wait
generator first-h2 "$out/zoo100" 0 2 rule 16 300 &
generator first-step-h2 "$out/zoo100" 0 2 step &
wait
generator first-h2-s1 "$out/zoo100" 1 2 rule 16 300
generator first-h10-s1 "$out/zoo40" 1 10 rule 8 400 &
generator first-h10-u16 "$out/zoo40" 0 10 rule 16 400 &
wait
grep -H 'unseen starts:' "$study"/*-eval.log
