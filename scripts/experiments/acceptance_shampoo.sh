#!/usr/bin/env bash
# Shampoo's and SOAP's directions on whole phantom networks, where Adam's own step takes hundreds
# of calls:
# the acceptance zoo's plan for cord alone (a phantom of 200 cases, seed 1; 128 runs x 20
# checkpoints of `tiny`, each with its optimiser state), Adam's own step on 2 fresh patches per
# call, calls of 4 iterations under poly decay, at most 400, its rate chosen on validation; then
# evaluated from 16 unseen starts, checked after every 16th call, as made, with
# --direction shampoo:0.95:N for N = 10 and 50 and with --direction soap:0.8:0.95:10, two at a
# time, into OUT/shampoo/NAME.json and compared start by start with Adam's step
# (paired_generations.py); then Adam's step and SOAP timed in turn, twice, one job at a time with
# nothing else running (NAME-tREPEAT.json). Every stage resumes.
# Usage: scripts/experiments/acceptance_shampoo.sh [OUT]
set -euo pipefail
out=${1:-runs/acceptance-shampoo}
bin=${WEIGHTGEN:-.build/release/weightgen}
mkdir -p "$out"
[ -d "$out/data" ] || "$bin" phantom --out "$out/data" --cases 200 --seed 1 > "$out/phantom.log"
[ -f "$out/zoo.done" ] || { "$bin" zoo create --dataset "$out/data" --tasks cord --preset tiny --runs 128 \
  --checkpoints-per-run 20 --checkpoint-content parameters-and-optimizer-state --out "$out/zoo" 2> "$out/zoo.log" && touch "$out/zoo.done"; }
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
study=$out/shampoo
mkdir -p "$study"
optimizer=$study/adam
[ -d "$optimizer" ] || "$bin" learned-optimizer train --zoo "$out/zoo" --out "$optimizer" --gradient training-patches \
  --cases-per-call 2 --seed 0 --horizon 4 --maximum-calls 400 --schedule poly --history adam-step --steps 0 --width 8 --depth 1 \
  2> "$optimizer.log"
evaluate() {  # json, options
  local json=$study/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$optimizer" --zoo "$out/zoo" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --answer final --checks every:16 $2 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
evaluate adam "" &
evaluate s95-10 "--direction shampoo:0.95:10" &
wait
evaluate s95-50 "--direction shampoo:0.95:50" &
evaluate soap80-95-10 "--direction soap:0.8:0.95:10" &
wait
for name in s95-10 s95-50 soap80-95-10; do
  echo "$name: $("$(dirname "$0")/paired_generations.py" "$study/adam.json" "$study/$name.json")"
done
source "$(dirname "$0")/schedule.sh"
timed_twice evaluate "adam|" "soap80-95-10|--direction soap:0.8:0.95:10"
grep -H "time to 0" "$study"/*-t?-eval.log
