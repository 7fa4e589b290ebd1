#!/usr/bin/env bash
# Writes the three tasks of the head zoos from ../shared/data/sct_testing_data into OUT, one
# nnU-Net dataset per task, with the data's MIT licence beside them:
#   Dataset201_cord        the five volumes with cord masks, one case each (split by volume);
#   Dataset202_graymatter  t2s (9 axial slices) and mt1 (5) with their gray-matter masks, cut into
#                          slabs of at most 3 slices: two volumes cannot fill training, validation
#                          and test, five slabs can, and every slab holds gray matter;
#   Dataset203_lesion      the one volume with a (synthetic) lesion, cut between the five sagittal
#                          slices the lesion spans (12-16), so whichever slabs the zoo's seed picks
#                          for validation and test, each holds one lesion slice.
# Slabs run along the volume's third axis, the one the 2D base model slices along, so a slab holds
# whole 2D inputs. Does nothing for a dataset that exists.
# Usage: scripts/experiments/sct_head_datasets.sh OUT
set -euo pipefail
out=$1
bin=${WEIGHTGEN:-.build/release/weightgen}
data=../shared/data/sct_testing_data
[ -d "$data" ] || { echo "needs $data beside the repository" >&2; exit 1; }
"$(dirname "$0")/sct_dataset.sh" "$out/Dataset201_cord"
gm_t2s=$data/t2s/t2s.nii.gz:$data/t2s/t2s_gmseg_manual.nii.gz
gm_mt1=$data/mt/mt1.nii.gz:$data/mt/mt1_gmseg_goldstandard.nii.gz
[ -d "$out/Dataset202_graymatter" ] || "$bin" dataset --out "$out/Dataset202_graymatter" --label graymatter \
  --case t2s-a=$gm_t2s:0-2 --case t2s-b=$gm_t2s:3-5 --case t2s-c=$gm_t2s:6-8 \
  --case mt1-a=$gm_mt1:0-2 --case mt1-b=$gm_mt1:3-4
lesion=$data/t2/t2_fake_lesion.nii.gz:$data/t2/t2_fake_lesion_lesion_seg.nii.gz
[ -d "$out/Dataset203_lesion" ] || "$bin" dataset --out "$out/Dataset203_lesion" --label lesion \
  --case t2-a=$lesion:0-12 --case t2-b=$lesion:13-13 --case t2-c=$lesion:14-14 --case t2-d=$lesion:15-15 \
  --case t2-e=$lesion:16-28
