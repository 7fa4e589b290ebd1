#!/usr/bin/env bash
# The time goal on whole phantom networks with the calls that come nearest it on cord heads:
# Adam's own step (an untrained adam-step rule, --steps 0, beside an 8 x 1 MLP whose output starts
# at 1e-3 of a move) on 2 fresh patches per call, calls of 4 iterations under poly decay, at most
# 400 (1,600 iterations' span; the zoo's runs take 300-1,200 iterations). On the acceptance zoo
# (acceptance_zoo.sh; made when missing), evaluated from 16 unseen starts per task at its
# calibrated rates, every call checked whole, into OUT/cheap-calls/step-p2-h4.json, then checked
# after every 16th call alone (--checks every:16) into step-p2-h4-every16.json. One thread; every
# stage resumes.
# Usage: scripts/experiments/acceptance_cheap_calls.sh [OUT]
set -euo pipefail
out=${1:-runs/acceptance-learned-optimizer}
bin=${WEIGHTGEN:-.build/release/weightgen}
"$(dirname "$0")/acceptance_zoo.sh" "$out"
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
study=$out/cheap-calls
mkdir -p "$study"
optimizer=$study/step-p2-h4
[ -d "$optimizer" ] || "$bin" learned-optimizer train --zoo "$out/zoo" --out "$optimizer" --gradient training-patches \
  --cases-per-call 2 --seed 0 --horizon 4 --maximum-calls 400 --schedule poly --history adam-step --steps 0 --width 8 --depth 1 \
  2> "$optimizer.log"
evaluate() {  # json, further options
  local json=$1
  shift
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$optimizer" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 8 --answer final "$@" --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
evaluate "$optimizer.json"
evaluate "$optimizer-every16.json" --checks every:16
grep -H "time to 0" "$optimizer-eval.log" "$optimizer-every16-eval.log"
