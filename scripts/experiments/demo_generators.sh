#!/usr/bin/env bash
# The learned optimiser `make demo` shows, against the one it showed before, on the demo's zoo:
# the demo's phantom (96 cases, seed 1) and zoo plan (3 tasks x 10 runs x 10 checkpoints of
# `tiny`, runs of 300 iterations, 8 validation and 24 test cases, each checkpoint with its
# optimiser state), then (a) the standard rule at 1,500 steps and at most 32 calls, (b) Adam's own
# step (the rule untrained) on 2 patches per call, calls of 4 iterations, at most 100, and (b)
# again turned into SOAP's eigenbasis by modes from call 4, and the same over 400 calls; each
# evaluated as the demo evaluates (8 unseen and 8 seen starts, prompt alignment on 4, the recipe
# from 4), in turn, and compared start by start (paired_generations.py). Every stage resumes.
# Usage: scripts/experiments/demo_generators.sh [OUT]
set -euo pipefail
out=${1:-runs/demo-generators}
bin=${WEIGHTGEN:-.build/release/weightgen}
here=$(dirname "$0")
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
mkdir -p "$out"
[ -d "$out/data" ] || "$bin" phantom --out "$out/data" --cases 96 --seed 1 > /dev/null
[ -f "$out/zoo.done" ] || { "$bin" zoo create --dataset "$out/data" --tasks cord,canal,lesion --preset tiny --runs 10 \
  --checkpoints-per-run 10 --iterations 300 --validation-cases 8 --test-cases 24 --seed 0 \
  --checkpoint-content parameters-and-optimizer-state --out "$out/zoo" 2> "$out/zoo.log" && touch "$out/zoo.done"; }
[ -d "$out/rule" ] || "$bin" learned-optimizer train --zoo "$out/zoo" --out "$out/rule" --steps 1500 --maximum-calls 32 2> "$out/rule.log"
for calls in 100 400; do
  name=adam; [ "$calls" = 100 ] || name=adam$calls
  [ -d "$out/$name" ] || "$bin" learned-optimizer train --zoo "$out/zoo" --out "$out/$name" --gradient training-patches --cases-per-call 2 \
    --seed 0 --horizon 4 --maximum-calls "$calls" --schedule poly --history adam-step --steps 0 --width 8 --depth 1 2> "$out/$name.log"
done
evaluate() {  # name, optimiser, options
  local json=$out/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$out/$2" --zoo "$out/zoo" --seeds 8 --alignment-starts 4 \
    --fidelity-starts 4 $3 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
evaluate rule rule ""
evaluate adam-step adam ""
evaluate soap adam "--direction soap:0.8:0.95:1:modes:after:4"
evaluate soap400 adam400 "--direction soap:0.8:0.95:1:modes:after:4"
grep -H "unseen starts:" "$out"/{rule,adam-step,soap,soap400}-eval.log | grep -v baseline | sed 's/; the recipe on another.*//'
grep -H "generated median" "$out"/{rule,adam-step,soap,soap400}-eval.log
"$here/paired_generations.py" "$out/rule.json" "$out/soap.json"
"$here/paired_generations.py" "$out/adam-step.json" "$out/soap.json"
"$here/paired_generations.py" "$out/soap.json" "$out/soap400.json"
