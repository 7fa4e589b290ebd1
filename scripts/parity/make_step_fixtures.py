#!/usr/bin/env python3
"""Writes nnU-Net's own answers for each step of its inference on small arrays, for weightgen's
unit tests: resampling (resample_data_or_seg_to_shape with the plans' data and probability
settings, whole-grid and separate-axis), crop_to_nonzero, ZScoreNormalization with and
without use_mask_for_norm, compute_gaussian and compute_steps_for_sliding_window.

Arrays are (channels, z, y, x) as nnU-Net holds them, stored row-major as
{"shape": [...], "data": [...]}. Run from the parity venv (scripts/parity/make_venv.sh).
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
from nnunetv2.inference.sliding_window_prediction import compute_gaussian, compute_steps_for_sliding_window
from nnunetv2.preprocessing.cropping.cropping import crop_to_nonzero
from nnunetv2.preprocessing.normalization.default_normalization_schemes import ZScoreNormalization
from nnunetv2.preprocessing.resampling.default_resampling import compute_new_shape, resample_data_or_seg_to_shape


def tensor(array):
    array = np.asarray(array)
    return {"shape": list(array.shape), "data": [float(v) for v in array.ravel()]}


def resampling_cases(rng):
    # (name, input shape, current spacing, new spacing, order, order_z)
    specs = [
        ("cubic_whole_grid_up", (1, 4, 6, 5), (1.0, 1.0, 1.0), (1.0, 0.6, 0.7), 3, 0),
        ("cubic_whole_grid_down", (1, 6, 9, 8), (0.5, 0.5, 0.5), (0.8, 0.84375, 0.7), 3, 0),
        ("separate_axis0_cubic", (1, 3, 6, 7), (4.0, 1.0, 1.0), (4.0, 0.84375, 0.84375), 3, 0),
        ("separate_axis1_order_z0", (1, 5, 3, 6), (1.0, 4.0, 1.0), (1.0, 0.84375, 0.84375), 3, 0),
        ("separate_axis0_z_changes", (1, 4, 5, 5), (6.0, 1.0, 1.0), (2.0, 0.8, 0.8), 3, 0),
        ("linear_logits_back_separate", (2, 5, 14, 7), (1.0, 0.84375, 0.84375), (1.0, 4.0, 1.0), 1, 0),
        ("linear_logits_back_whole_grid", (2, 6, 7, 8), (1.0, 0.84375, 0.84375), (1.0, 1.0, 1.0), 1, 0),
    ]
    for name, shape, current, new, order, order_z in specs:
        data = (rng.standard_normal(shape) * 3).astype(np.float32)
        new_shape = compute_new_shape(shape[1:], current, new)
        out = resample_data_or_seg_to_shape(data, new_shape, current, new, is_seg=False, order=order,
                                            order_z=order_z, force_separate_z=None)
        yield {"name": name, "current_spacing": list(current), "new_spacing": list(new), "order": order,
               "order_z": order_z, "new_shape": [int(s) for s in new_shape], "input": tensor(data), "output": tensor(out)}


def crop_case():
    data = np.zeros((1, 5, 7, 8), dtype=np.float32)
    data[0, 1:4, 2:6, 1:7] = np.arange(1, 3 * 4 * 6 + 1, dtype=np.float32).reshape(3, 4, 6)
    data[0, 2, 3:5, 3:5] = 0  # an enclosed hole: filled, so inside the mask
    data[0, 1, 2, 1] = 0      # a corner notch open to the outside: stays outside
    cropped, seg, bbox = crop_to_nonzero(data.copy())
    mask = seg[0] >= 0
    plain = ZScoreNormalization(use_mask_for_norm=False, intensityproperties={}).run(cropped[0].copy(), seg[0])
    masked = ZScoreNormalization(use_mask_for_norm=True, intensityproperties={}).run(cropped[0].copy(), seg[0])
    return {"input": tensor(data), "bbox": [[int(a), int(b)] for a, b in bbox], "mask": tensor(mask.astype(np.float32)),
            "zscore": tensor(plain), "zscore_inside_mask": tensor(masked)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(18)
    gaussian_patch = (9, 6)
    gaussian = compute_gaussian(gaussian_patch, sigma_scale=1. / 8, value_scaling_factor=10, dtype=torch.float32,
                                device=torch.device("cpu")).numpy()
    steps = {f"{size[0]}x{size[1]}": compute_steps_for_sliding_window(size, (72, 56), 0.5)
             for size in [(190, 190), (72, 56), (100, 57), (145, 160)]}
    fixtures = {"made_by": "scripts/parity/make_step_fixtures.py",
                "resampling": list(resampling_cases(rng)), "crop": crop_case(),
                "gaussian": {"patch": list(gaussian_patch), "map": tensor(gaussian / gaussian.max())},
                "window_starts": {"patch": [72, 56], "step": 0.5,
                                  "cases": {k: [[int(s) for s in axis] for axis in v] for k, v in steps.items()}}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(fixtures, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
