#!/usr/bin/env bash
# Creates the acceptance zoo of the learned-optimiser studies: a phantom of 200 cases (seed 1) in
# OUT/data and 3 tasks x 128 runs x 20 checkpoints of `tiny`, each checkpoint with its optimiser
# state, in OUT/zoo (about 15-30 minutes on 2 cores). Does nothing that is already done.
# Usage: scripts/experiments/acceptance_zoo.sh OUT
set -euo pipefail
out=$1
bin=${WEIGHTGEN:-.build/release/weightgen}
mkdir -p "$out"
[ -d "$out/data" ] || "$bin" phantom --out "$out/data" --cases 200 --seed 1 > "$out/phantom.log"
[ -f "$out/zoo.done" ] || { "$bin" zoo create --dataset "$out/data" --tasks cord,canal,lesion --preset tiny --runs 128 \
  --checkpoints-per-run 20 --checkpoint-content parameters-and-optimizer-state --out "$out/zoo" 2> "$out/zoo.log" && touch "$out/zoo.done"; }
