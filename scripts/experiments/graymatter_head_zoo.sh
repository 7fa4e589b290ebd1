#!/usr/bin/env bash
# Creates the 100-run gray-matter head zoo of the gray-matter studies: the cord head zoos' plan
# (cord_head_zoo.sh) on sct_head_datasets.sh's Dataset202_graymatter, 100 checkpoints per run
# with their optimiser state. Writes the datasets to OUT/data first; the zoo's progress goes to
# ZOO.log. Does nothing when ZOO holds a zoo.
# Usage: scripts/experiments/graymatter_head_zoo.sh OUT ZOO
set -euo pipefail
out=$1 zoo=$2
bin=${WEIGHTGEN:-.build/release/weightgen}
base=../shared/fixtures/nnunet_model
[ -d "$base" ] || { echo "needs $base beside the repository" >&2; exit 1; }
"$(dirname "$0")/sct_head_datasets.sh" "$out/data"
[ -f "$zoo/zoo.sqlite" ] && exit 0
"$bin" zoo create --dataset "$out/data" --tasks graymatter --base "$base" \
  --trainable 'decoder.stages.2.*,decoder.seg_layers.2.*' --head-input-pool 256 --iterations 200 --batch-sizes 8 \
  --checkpoints-per-run 100 --validation-cases 1 --test-cases 1 --runs 100 --workers 2 \
  --checkpoint-content parameters-and-optimizer-state --out "$zoo" 2> "$zoo.log"
