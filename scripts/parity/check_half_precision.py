#!/usr/bin/env python3
"""Attributes the remaining probability difference between weightgen and nnU-Net: runs
nnUNetPredictor on parity-suite volumes with its sliding-window sums (`predicted_logits`,
`n_predictions`) and Gaussian in float32 instead of half precision, and prints per volume the
largest foreground-probability difference of weightgen's prediction against that run and
against nnU-Net's stored (half-precision) one. Run from the parity venv.
"""
import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np
import torch
import nnunetv2.inference.predict_from_raw_data as predictor_module
from nnunetv2.imageio.simpleitk_reader_writer import SimpleITKIO
from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor

REPO = Path(__file__).resolve().parents[2]


def use_single_precision():
    """nnU-Net allocates its sums with torch.zeros(..., dtype=torch.half) and a float16 Gaussian."""
    zeros, gaussian = torch.zeros, predictor_module.compute_gaussian

    def zeros_single(*args, **kwargs):
        if kwargs.get("dtype") is torch.half:
            kwargs["dtype"] = torch.float32
        return zeros(*args, **kwargs)

    predictor_module.torch = type("torch_single", (), {"__getattr__": lambda _, name: getattr(torch, name),
                                                       "zeros": staticmethod(zeros_single)})()
    predictor_module.compute_gaussian = lambda *args, **kwargs: gaussian(*args, **{**kwargs, "dtype": torch.float32})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", type=Path, default=REPO / "Tests/Fixtures/nnunet_parity")
    parser.add_argument("--weightgen", type=Path, default=REPO / ".build/release/weightgen")
    parser.add_argument("--model", type=Path, default=REPO.parent / "shared/fixtures/nnunet_model")
    args = parser.parse_args()
    use_single_precision()
    predictor = nnUNetPredictor(tile_step_size=0.5, use_gaussian=True, use_mirroring=True,
                                perform_everything_on_device=False, device=torch.device("cpu"),
                                verbose=False, allow_tqdm=False)
    predictor.initialize_from_trained_model_folder(str(args.model), use_folds=(0,), checkpoint_name="checkpoint_final.pth")
    print(f"{'volume':24s} {'vs nnU-Net float32 sums':>24s} {'vs nnU-Net half sums':>21s}")
    with tempfile.TemporaryDirectory() as scratch:
        for case in json.loads((args.suite / "manifest.json").read_text())["cases"]:
            image_path = args.suite / case["name"] / "image.nii.gz"
            probabilities_path = Path(scratch) / "probabilities.nii.gz"
            subprocess.run([str(args.weightgen), "predict", "--model", str(args.model), "--input", str(image_path),
                            "--output", str(Path(scratch) / "seg.nii.gz"), "--probabilities", str(probabilities_path)],
                           check=True, capture_output=True)
            ours = 1 - nib.load(str(probabilities_path)).get_fdata()[..., 0]
            image, properties = SimpleITKIO().read_images([str(image_path)])
            _, probabilities = predictor.predict_single_npy_array(image, properties, None, None, True)
            single = 1 - probabilities[0].astype(np.float64).transpose(2, 1, 0)
            half = nib.load(str(args.suite / case["name"] / "nnunet_foreground.nii.gz")).get_fdata()
            print(f"{case['name']:24s} {np.abs(ours - single).max():24.2e} {np.abs(ours - half).max():21.2e}")


if __name__ == "__main__":
    main()
