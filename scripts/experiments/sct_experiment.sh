#!/usr/bin/env bash
# The experiment on real data: the cord masks of ../shared/data/sct_testing_data (5 volumes,
# one case each), split by volume: 3 for training, 1 for validation, 1 for test. Zoo seed 4
# holds out t2 for test and t2s for validation (seed 0 would test on t1w, the only T1 volume,
# which networks trained on the T2-like rest do not segment: see the segmentation issue).
# Usage: scripts/experiments/sct_experiment.sh [OUT] [extra `weightgen experiment` options...]
set -euo pipefail
out=${1:-runs/sct-experiment}
shift $(( $# > 0 ? 1 : 0 ))
bin=${WEIGHTGEN:-.build/release/weightgen}
data=../shared/data/sct_testing_data
[ -d "$data" ] || { echo "needs $data beside the repository" >&2; exit 1; }
mkdir -p "$out"
dataset="$out/Dataset203_SCTCord"
[ -d "$dataset" ] || "$bin" dataset --out "$dataset" --label cord \
  --case t2=$data/t2/t2.nii.gz:$data/t2/t2_seg-manual.nii.gz \
  --case t1w=$data/t1/t1w.nii.gz:$data/t1/t1w_seg-manual.nii.gz \
  --case t2s=$data/t2s/t2s.nii.gz:$data/t2s/t2s_seg.nii.gz \
  --case mt0=$data/mt/mt0.nii.gz:$data/mt/mt0_seg.nii.gz \
  --case mt1=$data/mt/mt1.nii.gz:$data/mt/mt1_seg.nii.gz
cp "$data/LICENSE" "$out/" 2>/dev/null || true
"$bin" experiment --out "$out" --dataset "$dataset" --tasks cord --validation-cases 1 --test-cases 1 --runs 8 --zoo-seed 4 "$@"
