#!/usr/bin/env bash
# The memorisation audit on the acceptance zoo: phantom (200 cases), 3 tasks x 128 runs x 20
# checkpoints of `tiny`; then the start-hidden preset (10,000 steps) and G.pt's preset (`gpt`,
# 3,000 steps) side by side, one thread each, each evaluated from 16 unseen starts per task with
# the audit (novelty, start dependence, start fidelity, the baselines' frontier) into OUT/PRESET.json.
# Every stage resumes: run it again after an interruption. On 2 cores the zoo takes 2-2.5 hours, the
# start-hidden preset about 85 minutes (about 2 steps/s beside the other) and `gpt` about 3 hours (0.25-0.3 steps/s).
# Usage: scripts/experiments/acceptance_audit.sh [OUT_DIR]
set -euo pipefail
out=${1:-runs/acceptance}
bin=${WEIGHTGEN:-.build/release/weightgen}
[ -x "$bin" ] || swift build -c release
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
[ -d "$out/data" ] || "$bin" phantom --out "$out/data" --cases 200 --seed 1
"$bin" zoo create --dataset "$out/data" --tasks cord,canal,lesion --runs 128 --checkpoints-per-run 20 \
  --iterations 300,600,1200 --validation-cases 16 --test-cases 32 --seed 0 --workers 2 --out "$out/zoo" 2> "$out/zoo.log"
audit() {  # preset
  WEIGHTGEN_THREADS=1 "$bin" generator train --zoo "$out/zoo" --out "$out/generator-$1" --config "$1" 2> "$out/generator-$1.log"
  [ -f "$out/$1.json" ] || WEIGHTGEN_THREADS=1 "$bin" generator evaluate --generator "$out/generator-$1" --seeds 16 \
    --alignment-starts 4 --json "$out/$1.json" > "$out/evaluate-$1.txt" 2> "$out/evaluate-$1.log"
}
audit start-hidden &
audit gpt &
wait
cat "$out/evaluate-start-hidden.txt" "$out/evaluate-gpt.txt"
