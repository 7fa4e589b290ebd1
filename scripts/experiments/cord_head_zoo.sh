#!/usr/bin/env bash
# Creates a cord head zoo of the head studies' plan: the shared nnU-Net model as the frozen base,
# its last decoder stage and segmentation head trained per run (200 iterations of 8 patches) on
# 256 cached head inputs of the five sct cord volumes, split by volume (zoo seed 0: test t1w,
# validation t2s). Writes the dataset to OUT/data first; the zoo's progress goes to standard
# error. Does nothing when ZOO holds a zoo. Further options go to `weightgen zoo create`.
# Usage: scripts/experiments/cord_head_zoo.sh OUT ZOO RUNS CHECKPOINTS_PER_RUN [OPTION...]
set -euo pipefail
out=$1 zoo=$2 runs=$3 checkpoints=$4
shift 4
bin=${WEIGHTGEN:-.build/release/weightgen}
base=../shared/fixtures/nnunet_model
[ -d "$base" ] || { echo "needs $base beside the repository" >&2; exit 1; }
"$(dirname "$0")/sct_dataset.sh" "$out/data/Dataset201_cord"
[ -f "$zoo/zoo.sqlite" ] && exit 0
"$bin" zoo create --dataset "$out/data" --tasks cord --base "$base" --trainable 'decoder.stages.2.*,decoder.seg_layers.2.*' \
  --head-input-pool 256 --iterations 200 --batch-sizes 8 --checkpoints-per-run "$checkpoints" --validation-cases 1 \
  --test-cases 1 --runs "$runs" --workers 2 --out "$zoo" "$@"
