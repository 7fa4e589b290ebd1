#!/usr/bin/env python3
"""Writes the nnU-Net parity suite: volumes made with nibabel from ../shared's spinal-cord data
(several spacings, orientations, zero-padded fields of view, negative values, large in-plane
sizes) and nnU-Net's own prediction of each (nnUNetPredictor: CPU, mirroring, fold 0,
checkpoint_final.pth, tile step 0.5, Gaussian).

Per case, OUT/<case>/ holds image.nii.gz (the input), nnunet_seg.nii.gz (uint8 labels) and
nnunet_foreground.nii.gz (nnU-Net's foreground probability, uint16 with scl_slope 1/65535);
OUT/manifest.json describes the cases. Run from the parity venv (scripts/parity/make_venv.sh).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np
from nibabel.affines import rescale_affine
from nibabel.orientations import axcodes2ornt, io_orientation, ornt_transform
from scipy.ndimage import zoom

REPO = Path(__file__).resolve().parents[2]
DATA = "data/sct_testing_data"
PROBABILITY_SCALE = 65535


def load(shared, relative):
    image = nib.load(str(shared / DATA / relative))
    return nib.Nifti1Image(np.asanyarray(image.dataobj), image.affine)


def reoriented(image, codes):
    transform = ornt_transform(io_orientation(image.affine), axcodes2ornt(tuple(codes)))
    return image.as_reoriented(transform)


def resampled(image, zooms, order):
    """The same field of view on a grid of `zooms` mm (scipy's spline of `order`, float32)."""
    data = np.asanyarray(image.dataobj).astype(np.float32)
    old = np.array(image.header.get_zooms()[:3])
    shape = np.maximum(1, np.round(np.array(data.shape) * old / np.array(zooms))).astype(int)
    out = zoom(data, shape / np.array(data.shape), order=order, mode="nearest", grid_mode=True)
    return nib.Nifti1Image(out.astype(np.float32), rescale_affine(image.affine, data.shape, zooms, tuple(shape)))


def with_data(image, data):
    return nib.Nifti1Image(data, image.affine)


def slab(image, axis, start, count):
    index = [slice(None)] * 3
    index[axis] = slice(start, start + count)
    return image.slicer[tuple(index)]


def padded(image, target):
    """The image centred in a zero volume of `target` voxels (a field of view larger than the scan)."""
    data = np.asanyarray(image.dataobj)
    before = [(t - s) // 2 for s, t in zip(data.shape, target)]
    out = np.zeros(target, dtype=data.dtype)
    out[tuple(slice(b, b + s) for b, s in zip(before, data.shape))] = data
    affine = image.affine.copy()
    affine[:3, 3] -= affine[:3, :3] @ np.array(before)
    return nib.Nifti1Image(out, affine)


def as_int16(image):
    data = np.round(np.asanyarray(image.dataobj)).clip(-32768, 32767).astype(np.int16)
    return with_data(image, data)


def cases(shared):
    """(name, what it exercises, image) for every volume of the suite."""
    t2 = load(shared, "t2/t2.nii.gz")
    t2_ras = reoriented(t2, "RAS")
    t1w = load(shared, "t1/t1w.nii.gz")
    t2s = load(shared, "t2s/t2s.nii.gz")
    yield ("t2_psr_1mm", "t2 as stored: PSR, 1 mm isotropic, int16, 2% zeros at the border (crop)", t2)
    yield ("t2_ras_1mm_negative", "t2 in RAS (axial slices), 1 mm, float32 shifted by -0.5: no zeros, negatives",
           with_data(t2_ras, np.asanyarray(t2_ras.dataobj).astype(np.float32) - 0.5))
    yield ("t2_ras_05mm", "t2 in RAS at 0.5 mm isotropic (cubic), 14 axial slices, int16 with spline undershoot",
           as_int16(slab(resampled(t2_ras, (0.5, 0.5, 0.5), 3), 2, 50, 14)))
    yield ("t2_ras_thick", "t2 in RAS with 4 mm axial slices (1 x 1 x 4 mm): separate-z in the slice axis",
           as_int16(resampled(t2_ras, (1.0, 1.0, 4.0), 1)))
    yield ("t2_psr_thick", "t2 as stored with 4 mm along S (in-plane for the 2D network): separate-z, order_z 0",
           as_int16(resampled(t2, (1.0, 4.0, 1.0), 1)))
    yield ("t1w_las_fov", "t1w in LAS inside a larger zero field of view (about 61% zeros): crop, background outside",
           padded(reoriented(t1w, "LAS"), (60, 100, 105)))
    yield ("t1w_rpi", "t1w in RPI, 1 mm isotropic", reoriented(t1w, "RPI"))
    yield ("t2s_negative", "t2s (LAS, 0.5 x 0.5 x 7.5 mm, float32) shifted by -20: negatives, separate-z",
           with_data(t2s, np.asanyarray(t2s.dataobj).astype(np.float32) - 20))
    yield ("t2s_uncropped_windows", "t2s uncropped, 320 x 320 at 0.5 mm (4 of 11 slices): 30 windows per slice",
           slab(load(shared, "t2s/t2s_uncropped.nii.gz"), 2, 4, 4))
    yield ("mt1_native_spacing", "mt1 (LAS, in-plane spacing of the plans, 17 mm slices): no resampling",
           load(shared, "mt/mt1.nii.gz"))
    yield ("t2_fake_lesion_rpi", "t2_fake_lesion in RPI, 0.8 mm isotropic, 16 axial slices",
           slab(reoriented(load(shared, "t2/t2_fake_lesion.nii.gz"), "RPI"), 2, 6, 16))


def run_nnunet(model, inputs, work):
    import torch
    from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    predictor = nnUNetPredictor(tile_step_size=0.5, use_gaussian=True, use_mirroring=True,
                                perform_everything_on_device=False, device=torch.device("cpu"),
                                verbose=False, verbose_preprocessing=False, allow_tqdm=False)
    predictor.initialize_from_trained_model_folder(str(model), use_folds=(0,), checkpoint_name="checkpoint_final.pth")
    sources = []
    for name, path in inputs:
        folder = work / "in" / name
        folder.mkdir(parents=True)
        shutil.copy(path, folder / "case_0000.nii.gz")
        sources.append([str(folder / "case_0000.nii.gz")])
    outputs = [str(work / "out" / name) for name, _ in inputs]
    (work / "out").mkdir()
    predictor.predict_from_files_sequential(sources, outputs, save_probabilities=True, overwrite=True)
    return outputs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--model", type=Path, default=None, help="nnU-Net model folder (default: the shared fixture)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    model = args.model or args.shared / "fixtures/nnunet_model"
    if not (args.shared / DATA).is_dir() or not (model / "plans.json").is_file():
        sys.exit(f"{args.shared}: the shared data ({DATA}) or the nnU-Net model folder is absent")
    args.out.mkdir(parents=True, exist_ok=True)
    listed = []
    inputs = []
    for name, description, image in cases(args.shared):
        folder = args.out / name
        folder.mkdir(exist_ok=True)
        image.set_qform(image.affine, code=1)
        image.set_sform(image.affine, code=1)
        nib.save(image, folder / "image.nii.gz")
        data = np.asanyarray(image.dataobj)
        listed.append({"name": name, "description": description, "shape": list(data.shape),
                       "spacing": [round(float(z), 4) for z in image.header.get_zooms()[:3]],
                       "orientation": "".join(nib.aff2axcodes(image.affine)), "dtype": str(data.dtype),
                       "zero_fraction": round(float((data == 0).mean()), 3),
                       "negative_fraction": round(float((data < 0).mean()), 3)})
        inputs.append((name, folder / "image.nii.gz"))
    with tempfile.TemporaryDirectory() as scratch:
        outputs = run_nnunet(model, inputs, Path(scratch))
        for entry, (name, source), output in zip(listed, inputs, outputs):
            image = nib.load(str(source))
            # nnU-Net's arrays are SimpleITK's (z, y, x); nibabel's are (x, y, z).
            seg = np.asanyarray(nib.load(output + ".nii.gz").dataobj).astype(np.uint8)
            probabilities = np.load(output + ".npz")["probabilities"].transpose(0, 3, 2, 1)
            foreground = 1 - probabilities[0].astype(np.float64)
            nib.save(nib.Nifti1Image(seg, image.affine), args.out / name / "nnunet_seg.nii.gz")
            quantised = nib.Nifti1Image(np.round(foreground.clip(0, 1) * PROBABILITY_SCALE).astype(np.uint16), image.affine)
            quantised.header.set_slope_inter(1 / PROBABILITY_SCALE, 0)
            nib.save(quantised, args.out / name / "nnunet_foreground.nii.gz")
            entry["nnunet_foreground_voxels"] = int((seg > 0).sum())
    import nnunetv2
    import torch
    from importlib.metadata import version
    manifest = {"made_by": "scripts/parity/make_parity_suite.py", "source": "../shared/" + DATA + " (MIT, NeuroPoly)",
                "nnunetv2": version("nnunetv2"), "torch": torch.__version__,
                "predictor": "nnUNetPredictor(tile_step_size=0.5, use_gaussian=True, use_mirroring=True), CPU, "
                             "fold 0, checkpoint_final.pth",
                "probability_scale": PROBABILITY_SCALE, "cases": listed}
    with open(args.out / "manifest.json", "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    for entry in listed:
        print(f"{entry['name']:24s} {str(entry['shape']):16s} {entry['orientation']} nnU-Net foreground "
              f"{entry['nnunet_foreground_voxels']}")


if __name__ == "__main__":
    main()
