#!/usr/bin/env bash
# The segmentation issue's real-data check: the `small` preset on the cord masks of
# ../shared/data/sct_testing_data, one held-out volume per run, evaluated with test-time
# mirroring, with and without largest-component post-processing.
# Usage: scripts/experiments/sct_real_data.sh [OUT] [ITERATIONS] [HELD_OUT...]
set -euo pipefail
out=${1:-runs/sct}
iterations=${2:-2000}
shift $(( $# > 2 ? 2 : $# ))
held=${*:-"t2 t1w zfakelesion"}
bin=${WEIGHTGEN:-.build/release/weightgen}
data=../shared/data/sct_testing_data
[ -d "$data" ] || { echo "needs $data beside the repository" >&2; exit 1; }
mkdir -p "$out"
# Manual and reviewed cord masks, one case per volume. mt0 and mt1 are the same slab with and
# without the MT pulse; t2_fake_lesion's mask follows another convention (35% smaller cord
# cross-sections), so it is held out or left out, never trained on next to t2.
cases=(--case t2=$data/t2/t2.nii.gz:$data/t2/t2_seg-manual.nii.gz
       --case t1w=$data/t1/t1w.nii.gz:$data/t1/t1w_seg-manual.nii.gz
       --case t2s=$data/t2s/t2s.nii.gz:$data/t2s/t2s_seg.nii.gz
       --case mt0=$data/mt/mt0.nii.gz:$data/mt/mt0_seg.nii.gz
       --case mt1=$data/mt/mt1.nii.gz:$data/mt/mt1_seg.nii.gz)
[ -d "$out/Dataset203_SCTCord" ] || "$bin" dataset --out "$out/Dataset203_SCTCord" --label cord "${cases[@]}"
[ -d "$out/Dataset202_SCTCord" ] || "$bin" dataset --out "$out/Dataset202_SCTCord" --label cord "${cases[@]}" \
  --case zfakelesion=$data/t2/t2_fake_lesion.nii.gz:$data/t2/t2_fake_lesion_sc_seg.nii.gz
for volume in $held; do
  dataset="$out/Dataset203_SCTCord"
  [ "$volume" = zfakelesion ] && dataset="$out/Dataset202_SCTCord"
  "$bin" train --dataset "$dataset" --preset small --spacing 0.84375,0.84375 --optimizer adam --learning-rate 2e-3 \
    --patch 64,64 --iterations "$iterations" --hold-out "$volume" --seed 1 --out "$out/hold-$volume" 2> "$out/hold-$volume.log"
  plain=$("$bin" evaluate --model "$out/hold-$volume" --dataset "$dataset" --cases validation --mirroring 2>/dev/null)
  largest=$("$bin" evaluate --model "$out/hold-$volume" --dataset "$dataset" --cases validation --mirroring --largest-component 2>/dev/null)
  echo "held out $volume: $plain; largest component: $largest"
done
