#!/usr/bin/env bash
# SOAP's direction (--direction soap:B1:B2:N: Adam in the eigenbasis of Shampoo's statistics) at
# the length of Adam's own step, on the gray-matter heads and the Adam's-step optimiser of
# head_shampoo.sh (which it runs first): the moments' decays (0.95, 0.95), (0.9, 0.95), (0.8,
# 0.95), (0.5, 0.95) and (0.95, 0.99), the eigenbasis recomputed every 10th call; (0.95, 0.95)
# every 50th, (0.9, 0.95) every 25th, every 10th with the filters held at their norms
# (--filter-norms held); (0.8, 0.95) every 10th at half and twice the rate (half also gated, as
# below). Each evaluated
# over 16 unseen starts, every call checked, two at a time, into OUT/soap/NAME.json and compared
# start by start with Adam's step and with Shampoo refreshed as often (head_shampoo_refresh.sh's
# gm-s95-N.json, when there); SOAP (0.8, 0.95) every 10th call also with checks gated by the
# batch's Dice (--checks batch-dice:0.8), against Adam's step and Shampoo (every 50th) gated alike
# (head_shampoo_refresh.sh's); SOAP (0.8, 0.95) every 10th call on the cord heads of head_shampoo.sh
# against Adam's step; then timed
# (below). Every stage resumes.
# Usage: scripts/experiments/head_soap.sh [OUT]
set -euo pipefail
out=${1:-runs/head-shampoo}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_shampoo.sh" "$out" > /dev/null
gm=$out/zoo100-graymatter adam=$out/shampoo study=$out/soap
mkdir -p "$study"
evaluate() {  # json, options
  local json=$study/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$adam/gm-adam" --zoo "$gm" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 16 --answer final $2 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
runs=("gm-soap95-95-10|--direction soap:0.95:0.95:10" "gm-soap90-95-10|--direction soap:0.9:0.95:10"
  "gm-soap95-99-10|--direction soap:0.95:0.99:10" "gm-soap95-95-50|--direction soap:0.95:0.95:50"
  "gm-soap80-95-10|--direction soap:0.8:0.95:10" "gm-soap50-95-10|--direction soap:0.5:0.95:10"
  "gm-soap90-95-25|--direction soap:0.9:0.95:25" "gm-soap90-95-10-held|--direction soap:0.9:0.95:10 --filter-norms held"
  "gm-soap80-95-10-gate0.8|--direction soap:0.8:0.95:10 --checks batch-dice:0.8"
  "gm-soap80-95-10-half|--direction soap:0.8:0.95:10 --learning-rate 0.0038"
  "gm-soap80-95-10-twice|--direction soap:0.8:0.95:10 --learning-rate 0.0152"
  "gm-soap80-95-10-half-gate0.8|--direction soap:0.8:0.95:10 --learning-rate 0.0038 --checks batch-dice:0.8")
source "$(dirname "$0")/schedule.sh"
in_pairs evaluate "${runs[@]}"
cord=$study/cord-soap80-95-10.json
[ -f "$cord" ] || "$bin" learned-optimizer evaluate --optimizer "$adam/cord-adam" --zoo "$out/zoo100-cord" --seeds 16 --alignment-starts 0 \
  --fidelity-starts 16 --answer final --direction soap:0.8:0.95:10 --json "$cord" > "${cord%.json}.txt" 2> "${cord%.json}-eval.log"
echo "cord-soap80-95-10: $("$(dirname "$0")/paired_generations.py" "$adam/cord-adam.json" "$cord")"
for run in "${runs[@]}"; do
  IFS='|' read -r name _ <<< "$run"
  case $name in
    *-gate*) baseline=$out/shampoo-refresh/gm-adam-gate0.8.json shampoo=$out/shampoo-refresh/gm-s95-50-gate0.8.json ;;
    *) baseline=$adam/gm-adam.json shampoo=$out/shampoo-refresh/gm-s95-$(cut -d- -f4 <<< "$name").json ;;
  esac
  echo "$name: $("$(dirname "$0")/paired_generations.py" "$baseline" "$study/$name.json")"
  [ ! -f "$shampoo" ] || echo "  against Shampoo: $("$(dirname "$0")/paired_generations.py" "$shampoo" "$study/$name.json")"
done
# Timed in turn, twice, one job at a time with nothing else running: SOAP (0.8, 0.95) every 10th
# call checked after every call and gated, Adam's step and Shampoo (0.95, every 50th) gated (their
# ungated timings are head_shampoo_refresh.sh's), SOAP at half the rate gated.
timed_twice evaluate "gm-soap80-95-10|--direction soap:0.8:0.95:10" "gm-soap80-95-10-gate0.8|--direction soap:0.8:0.95:10 --checks batch-dice:0.8" \
  "gm-adam-gate0.8|--checks batch-dice:0.8" "gm-s95-50-gate0.8|--direction shampoo:0.95:50 --checks batch-dice:0.8" \
  "gm-soap80-95-10-half-gate0.8|--direction soap:0.8:0.95:10 --learning-rate 0.0038 --checks batch-dice:0.8"
grep -H "time to 0" "$study"/*-t?-eval.log
