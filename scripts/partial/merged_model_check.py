#!/usr/bin/env python3
"""Runs nnU-Net's own predictor (nnUNetPredictor, CPU) and `weightgen predict` on the same
nnU-Net model folder and volume, and prints the Dice between the two segmentations. Used on
the model folder `weightgen generate` writes for a partial generator (the base with a
generated head), to show nnU-Net runs the merged model as weightgen does.
Exits 1 when the Dice is below --min-dice. Run from a venv with nnunetv2 and nibabel
(scripts/experiments/nnunet_venv.sh or scripts/parity/make_venv.sh).
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np

REPO = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="nnU-Net model folder (fold_0)")
    parser.add_argument("--image", type=Path, required=True, help="a NIfTI volume")
    parser.add_argument("--weightgen", type=Path, default=REPO / ".build/release/weightgen")
    parser.add_argument("--min-dice", type=float, default=0.99)
    args = parser.parse_args()

    import torch
    from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor

    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as scratch:
        ours_path, theirs_path = Path(scratch) / "weightgen.nii.gz", Path(scratch) / "nnunet.nii.gz"
        run = subprocess.run([str(args.weightgen), "predict", "--model", str(args.model), "--input", str(args.image),
                              "--output", str(ours_path)], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"weightgen predict failed:\n{run.stderr}")
        predictor = nnUNetPredictor(tile_step_size=0.5, use_gaussian=True, use_mirroring=True,
                                    device=torch.device("cpu"), verbose=False, allow_tqdm=False)
        predictor.initialize_from_trained_model_folder(str(args.model), use_folds=(0,), checkpoint_name="checkpoint_final.pth")
        predictor.predict_from_files([[str(args.image)]], [str(theirs_path)], save_probabilities=False, overwrite=True,
                                     num_processes_preprocessing=1, num_processes_segmentation_export=1)
        ours = np.asanyarray(nib.load(str(ours_path)).dataobj) > 0
        theirs = np.asanyarray(nib.load(str(theirs_path)).dataobj) > 0
    total = ours.sum() + theirs.sum()
    dice = 1.0 if total == 0 else 2 * (ours & theirs).sum() / total
    print(f"{args.image.name}: Dice {dice:.4f} between weightgen ({int(ours.sum())} voxels) and nnU-Net "
          f"({int(theirs.sum())} voxels), {int((ours != theirs).sum())} voxels differ")
    sys.exit(0 if dice >= args.min_dice else 1)


if __name__ == "__main__":
    main()
