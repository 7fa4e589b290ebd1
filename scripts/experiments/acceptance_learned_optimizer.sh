#!/usr/bin/env bash
# The learned optimiser on the acceptance zoo (acceptance_zoo.sh: phantom of 200 cases, 3 tasks x
# 128 runs x 20 checkpoints of `tiny`, keeping each checkpoint's optimiser state): the `--size full`
# rule (its runs' batches, Adam's moments, horizon 10, 160 calls) against Adam's own step over
# the same calls (an untrained adam-step rule, --steps 0), each evaluated from 16 unseen starts
# per task at its calibrated rates, answering with its best validation network into
# OUT/NAME-best.json and with its last (--answer final) into OUT/NAME-final.json. The zoo takes
# about 30 minutes on 2 cores, the rule about 27, each evaluation 25-45 (one thread, beside another).
# Every stage resumes: run it again after an interruption.
# Usage: scripts/experiments/acceptance_learned_optimizer.sh [OUT]
set -euo pipefail
out=${1:-runs/acceptance-learned-optimizer}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE
"$(dirname "$0")/acceptance_zoo.sh" "$out"
export WEIGHTGEN_THREADS=1
generator() {  # name, rule|step
  local name=$1 options=(--gradient run-batches --horizon 10 --maximum-calls 160)
  case $2 in
    rule) options+=(--history adam-moments) ;;
    step) options+=(--history adam-step --steps 0) ;;
  esac
  [ -d "$out/$name" ] || "$bin" learned-optimizer train --zoo "$out/zoo" --out "$out/$name" "${options[@]}" 2> "$out/$name.log"
  for answer in best final; do
    local json=$out/$name-$answer.json
    [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$out/$name" --seeds 16 --alignment-starts 0 \
      --fidelity-starts 8 --answer "$answer" --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
  done
}
generator rule rule &
generator step step &
wait
grep -H 'memorisation frontier' "$out"/*-eval.log
