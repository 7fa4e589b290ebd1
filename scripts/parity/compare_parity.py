#!/usr/bin/env python3
"""Runs `weightgen predict --probabilities` on every volume of a parity suite (written by
make_parity_suite.py) and prints, per volume, the Dice between weightgen's and nnU-Net's
segmentations, the voxels whose label differs, and the largest absolute difference of their
foreground probabilities.
Exits 1 when any Dice is below --min-dice. Run from the parity venv.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

REPO = Path(__file__).resolve().parents[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", type=Path, required=True)
    parser.add_argument("--weightgen", type=Path, default=REPO / ".build/release/weightgen")
    parser.add_argument("--model", type=Path, default=REPO.parent / "shared/fixtures/nnunet_model")
    parser.add_argument("--min-dice", type=float, default=0.99)
    args = parser.parse_args()
    manifest = json.loads((args.suite / "manifest.json").read_text())
    print(f"nnU-Net {manifest['nnunetv2']} (torch {manifest['torch']}) against {args.weightgen}")
    print(f"{'volume':24s} {'shape':>16s} {'orient':6s} {'Dice':>7s} {'fg weightgen':>12s} {'fg nnU-Net':>10s} "
          f"{'differ':>6s} {'max|dp|':>8s} {'seconds':>7s}")
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        for case in manifest["cases"]:
            folder = args.suite / case["name"]
            seg_path, prob_path = Path(scratch) / "seg.nii.gz", Path(scratch) / "prob.nii.gz"
            start = time.time()
            run = subprocess.run([str(args.weightgen), "predict", "--model", str(args.model), "--input",
                                  str(folder / "image.nii.gz"), "--output", str(seg_path), "--probabilities",
                                  str(prob_path)], capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"{case['name']}: weightgen predict failed:\n{run.stderr}")
            seconds = time.time() - start
            ours = np.asanyarray(nib.load(str(seg_path)).dataobj) > 0
            theirs = np.asanyarray(nib.load(str(folder / "nnunet_seg.nii.gz")).dataobj) > 0
            probabilities = nib.load(str(prob_path)).get_fdata()
            reference = nib.load(str(folder / "nnunet_foreground.nii.gz")).get_fdata()
            total = ours.sum() + theirs.sum()
            dice = 1.0 if total == 0 else 2 * (ours & theirs).sum() / total
            largest = float(np.abs((1 - probabilities[..., 0]) - reference).max())
            failures += dice < args.min_dice
            print(f"{case['name']:24s} {str(tuple(case['shape'])):>16s} {case['orientation']:6s} {dice:7.4f} "
                  f"{int(ours.sum()):12d} {int(theirs.sum()):10d} {int((ours != theirs).sum()):6d} {largest:8.4f} {seconds:7.1f}")
    print(f"{len(manifest['cases']) - failures} passed, {failures} failed (Dice >= {args.min_dice})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
