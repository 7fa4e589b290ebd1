#!/usr/bin/env bash
# SOAP by modes on the acceptance zoo's other tasks, canal and lesion, as on cord
# (soap_modes.sh): the phantom of acceptance_shampoo.sh (200 cases, seed 1), a zoo of its plan for
# canal and lesion (128 runs x 20 checkpoints of `tiny` per task), Adam's own step on 2 fresh
# patches per call, calls of 4 iterations under poly decay, at most 400, each task's rate chosen on
# validation; evaluated from 16 unseen starts (8 trained by the recipe too), checked after every
# 16th call, with Adam's step and with --direction soap:0.8:0.95:1:modes, two at a time, compared
# start by start (paired_generations.py), and both again with 800 and with 1,600 calls; then both
# (400 calls) timed in turn, twice, one job at a time with nothing else running
# (NAME-tREPEAT.json), and SOAP with 800 calls alike. Every stage resumes.
# Usage: scripts/experiments/acceptance_soap_tasks.sh [PHANTOM_OUT] [OUT]
set -euo pipefail
phantom=${1:-runs/acceptance-shampoo}
out=${2:-runs/acceptance-soap-tasks}
bin=${WEIGHTGEN:-.build/release/weightgen}
here=$(dirname "$0")
source "$here/schedule.sh"
"$here/acceptance_shampoo.sh" "$phantom" > /dev/null
mkdir -p "$out"
[ -f "$out/zoo.done" ] || { "$bin" zoo create --dataset "$phantom/data" --tasks canal,lesion --preset tiny --runs 128 \
  --checkpoints-per-run 20 --checkpoint-content parameters-and-optimizer-state --out "$out/zoo" 2> "$out/zoo.log" && touch "$out/zoo.done"; }
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
optimizer=$out/adam
[ -d "$optimizer" ] || "$bin" learned-optimizer train --zoo "$out/zoo" --out "$optimizer" --gradient training-patches \
  --cases-per-call 2 --seed 0 --horizon 4 --maximum-calls 400 --schedule poly --history adam-step --steps 0 --width 8 --depth 1 \
  2> "$optimizer.log"
evaluate() {  # json, options
  local json=$out/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$optimizer" --zoo "$out/zoo" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --answer final --checks every:16 $2 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
in_pairs evaluate "adam|" "modes80-95-1|--direction soap:0.8:0.95:1:modes"
"$here/paired_generations.py" "$out/adam.json" "$out/modes80-95-1.json"
# Twice the calls (a poly schedule over 800), for lesion, which neither reaches in 400.
in_pairs evaluate "adam-calls800|--maximum-calls 800" "modes80-95-1-calls800|--direction soap:0.8:0.95:1:modes --maximum-calls 800"
"$here/paired_generations.py" "$out/adam-calls800.json" "$out/modes80-95-1-calls800.json"
"$here/paired_generations.py" "$out/modes80-95-1.json" "$out/modes80-95-1-calls800.json"
# Twice again (1,600), the trend for lesion, which neither reaches in 800.
in_pairs evaluate "adam-calls1600|--maximum-calls 1600" "modes80-95-1-calls1600|--direction soap:0.8:0.95:1:modes --maximum-calls 1600"
"$here/paired_generations.py" "$out/adam-calls1600.json" "$out/modes80-95-1-calls1600.json"
"$here/paired_generations.py" "$out/modes80-95-1-calls800.json" "$out/modes80-95-1-calls1600.json"
timed_twice evaluate "adam|" "modes80-95-1|--direction soap:0.8:0.95:1:modes"
# SOAP over 800 calls, where it reaches canal's target from every start, timed alike.
timed_twice evaluate "modes80-95-1-calls800|--direction soap:0.8:0.95:1:modes --maximum-calls 800"
grep -H "time to 0" "$out"/*-t?-eval.log
for repeat in 1 2; do "$here/paired_generations.py" "$out/adam-t$repeat.json" "$out/modes80-95-1-t$repeat.json"; done
"$here/checked_both_sides.py" "$out"/*-t?.json
