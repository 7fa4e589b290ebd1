#!/usr/bin/env bash
# The real-data check of the segmentation pipeline: the `small` preset on the cord masks of
# ../shared/data/sct_testing_data, leave-one-contrast-out: each fold holds out one acquisition
# (t2, t1w, t2s, or the MT pair) and trains on the rest, with contrast augmentation, and is
# evaluated with test-time mirroring, with and without largest-component post-processing.
# Usage: scripts/experiments/sct_real_data.sh [OUT] [ITERATIONS] [FOLD...]   (a fold: t2, t1w, t2s, mt0,mt1)
set -euo pipefail
out=${1:-runs/sct}
iterations=${2:-4000}
shift $(( $# > 2 ? 2 : $# ))
folds=${*:-"t2 t1w t2s mt0,mt1"}
bin=${WEIGHTGEN:-.build/release/weightgen}
# All five volumes come from one subject, so a split by volume is a split by contrast. mt0 and
# mt1 are the same slab with and without the MT pulse, so they are held out together.
# t2_fake_lesion is t2 with a synthetic lesion and masks of another convention (35% smaller
# cord cross-sections): it would leak t2's anatomy into any split that trains on t2, so it is left out.
dataset="$out/Dataset203_SCTCord"
"$(dirname "$0")/sct_dataset.sh" "$dataset"
for fold in $folds; do
  run="$out/hold-${fold/,/-}"
  [ -d "$run" ] || "$bin" train --dataset "$dataset" --preset small --spacing 0.84375,0.84375 --optimizer adam \
    --learning-rate 2e-3 --patch 64,64 --iterations "$iterations" --contrast-augmentation --hold-out "$fold" --seed 1 \
    --out "$run" 2> "$run.log"
  for post in "" --largest-component; do
    echo "held out $fold${post:+ ($post)}:"
    "$bin" evaluate --model "$run" --dataset "$dataset" --cases validation --mirroring $post 2>&1 | grep Dice
  done
done
