#!/usr/bin/env bash
# Writes the nnU-Net dataset of the five ../shared/data/sct_testing_data volumes that have
# manual or reviewed cord masks (t2, t1w, t2s, mt0, mt1; one case each) to DATASET, with the
# data's MIT licence beside it. Does nothing when DATASET exists.
# Usage: scripts/experiments/sct_dataset.sh DATASET
set -euo pipefail
dataset=$1
bin=${WEIGHTGEN:-.build/release/weightgen}
data=../shared/data/sct_testing_data
[ -d "$data" ] || { echo "needs $data beside the repository" >&2; exit 1; }
[ -d "$dataset" ] && exit 0
mkdir -p "$(dirname "$dataset")"
"$bin" dataset --out "$dataset" --label cord \
  --case t2=$data/t2/t2.nii.gz:$data/t2/t2_seg-manual.nii.gz \
  --case t1w=$data/t1/t1w.nii.gz:$data/t1/t1w_seg-manual.nii.gz \
  --case t2s=$data/t2s/t2s.nii.gz:$data/t2s/t2s_seg.nii.gz \
  --case mt0=$data/mt/mt0.nii.gz:$data/mt/mt0_seg.nii.gz \
  --case mt1=$data/mt/mt1.nii.gz:$data/mt/mt1_seg.nii.gz
cp "$data/LICENSE" "$(dirname "$dataset")/"
