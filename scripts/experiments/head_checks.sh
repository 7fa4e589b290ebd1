#!/usr/bin/env bash
# The time goal with the generation's validation checks timed, on cord heads: every call's network
# checked, or only where the call's training batch reached a share of the prompt (--checks
# batch-dice:F). Three optimisers of head_rule_size.sh (run first when missing): the 8 x 2 and
# 16 x 1 rules and Adam's own step beside an untrained 8 x 1 rule; each checked every call and at
# F = 0.5 twice, at F = 0.7 once, over 16 unseen starts. Into OUT/checks/NAME-CHECKS-REPEAT.json.
# One job at a time, nothing else running; every stage resumes.
# Usage: scripts/experiments/head_checks.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_rule_size.sh" "$out"
study=$out/checks
mkdir -p "$study"
for repeat in 1 2; do
  for name in r-w8-d2 a-w8-d1 r-w16-d1; do
    for checks in every-call batch-dice:0.5 batch-dice:0.7; do
      [ "$repeat" = 2 ] && [ "$checks" = batch-dice:0.7 ] && continue
      json=$study/$name-${checks/:/}-$repeat.json
      [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$out/rule-size/$name" --zoo "$out/zoo100" --seeds 16 \
        --alignment-starts 0 --fidelity-starts 16 --answer final --checks "$checks" --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
    done
  done
done
grep -H "time to 0" "$study"/*-eval.log
