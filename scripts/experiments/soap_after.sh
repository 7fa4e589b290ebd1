#!/usr/bin/env bash
# SOAP by modes after the rule's first calls (--direction soap:B1:B2:N:modes:after:K: the first K
# calls move as Adam's step says while SOAP's statistics gather), and SOAP by modes at other rates
# and shorter schedules. On the cord and gray-matter heads of head_shampoo.sh (which soap_modes.sh
# runs first) and the whole phantom networks of acceptance_shampoo.sh: by modes every call after
# 2 and 4 calls on both head tasks; at 1.5, 2 and 3 times Adam's step's rate and with 100, 80 and
# 60 calls' poly schedules (Adam's step too at 100) on gray matter; at 1.5 and 2 times the rate
# on phantom. Each over 16 unseen starts (phantom: 8 trained by the recipe too, checked every
# 16th call), two at a time, into OUT/soap-after/NAME.json, compared start by start
# (paired_generations.py) with by modes every call (soap_modes.sh's) or Adam's step. Then timed in
# turn, twice, one job at a time with nothing else running, checks gated by the batch's Dice:
# Adam's step, by modes every call and by modes after 4 calls on gray matter. Every stage resumes.
# Usage: scripts/experiments/soap_after.sh [OUT] [PHANTOM_OUT]
set -euo pipefail
out=${1:-runs/head-shampoo}
phantom=${2:-runs/acceptance-shampoo}
bin=${WEIGHTGEN:-.build/release/weightgen}
here=$(dirname "$0")
source "$here/schedule.sh"
"$here/soap_modes.sh" "$out" "$phantom" > /dev/null
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
study=$out/soap-after
mkdir -p "$study"
evaluate() {  # json, task (gm or cord), options
  local json=$study/$1.json zoo=$out/zoo100-cord
  [ "$2" = gm ] && zoo=$out/zoo100-graymatter
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$out/shampoo/$2-adam" --zoo "$zoo" --seeds 16 \
    --alignment-starts 0 --fidelity-starts 16 --answer final $3 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
in_pairs evaluate "cord-after2|cord|--direction soap:0.8:0.95:1:modes:after:2" "cord-after4|cord|--direction soap:0.8:0.95:1:modes:after:4" \
  "gm-after2|gm|--direction soap:0.8:0.95:1:modes:after:2" "gm-after4|gm|--direction soap:0.8:0.95:1:modes:after:4" \
  "gm-rate114|gm|--direction soap:0.8:0.95:1:modes --learning-rate 0.0114" \
  "gm-rate152|gm|--direction soap:0.8:0.95:1:modes --learning-rate 0.0152" \
  "gm-rate228|gm|--direction soap:0.8:0.95:1:modes --learning-rate 0.0228" \
  "gm-calls100|gm|--direction soap:0.8:0.95:1:modes --maximum-calls 100" \
  "gm-calls80|gm|--direction soap:0.8:0.95:1:modes --maximum-calls 80" \
  "gm-calls60|gm|--direction soap:0.8:0.95:1:modes --maximum-calls 60" "gm-adam-calls100|gm|--maximum-calls 100"
modes=$out/soap-modes
for name in cord-after2 cord-after4; do
  echo "$name against Adam's step: $("$here/paired_generations.py" "$out/shampoo/cord-adam.json" "$study/$name.json")"
  echo "$name against from the first call: $("$here/paired_generations.py" "$modes/cord-modes80-95-1.json" "$study/$name.json")"
done
echo "Adam's step against from the first call: $("$here/paired_generations.py" "$modes/cord-modes80-95-1.json" "$out/shampoo/cord-adam.json")"
echo "gm-after4 against Adam's step: $("$here/paired_generations.py" "$out/shampoo/gm-adam.json" "$study/gm-after4.json")"
echo "gm-after4 against the matrix reading every 10th: $("$here/paired_generations.py" "$out/soap/gm-soap80-95-10.json" "$study/gm-after4.json")"
for name in gm-after2 gm-after4 gm-rate114 gm-rate152 gm-rate228 gm-calls100 gm-calls80 gm-calls60; do
  echo "$name: $("$here/paired_generations.py" "$modes/modes80-95-1.json" "$study/$name.json")"
done
echo "gm-adam-calls100: $("$here/paired_generations.py" "$out/shampoo/gm-adam.json" "$study/gm-adam-calls100.json")"
pevaluate() {  # json, options
  local json=$study/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$phantom/shampoo/adam" --zoo "$phantom/zoo" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --answer final --checks every:16 $2 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
in_pairs pevaluate "phantom-rate108|--direction soap:0.8:0.95:1:modes --learning-rate 0.0108" \
  "phantom-rate144|--direction soap:0.8:0.95:1:modes --learning-rate 0.0144"
for name in phantom-rate108 phantom-rate144; do
  echo "$name: $("$here/paired_generations.py" "$phantom/shampoo/soap80-95-1-modes.json" "$study/$name.json")"
done
timed_twice evaluate "gm-adam-gate|gm|--checks batch-dice:0.8" \
  "gm-modes-gate|gm|--direction soap:0.8:0.95:1:modes --checks batch-dice:0.8" \
  "gm-after4-gate|gm|--direction soap:0.8:0.95:1:modes:after:4 --checks batch-dice:0.8"
grep -H "time to 0" "$study"/*-t?-eval.log
for repeat in 1 2; do
  for name in gm-modes-gate gm-after4-gate; do
    echo "$name-t$repeat: $("$here/paired_generations.py" "$study/gm-adam-gate-t$repeat.json" "$study/$name-t$repeat.json")"
  done
  echo "gm-after4-gate-t$repeat against by modes: $("$here/paired_generations.py" "$study/gm-modes-gate-t$repeat.json" "$study/gm-after4-gate-t$repeat.json")"
done
"$here/checked_both_sides.py" "$study"/gm-*-t?.json
