#!/usr/bin/env python3
"""Checks that files written by `weightgen` load in the Python ecosystem.

Run inside a virtual environment with torch, nibabel, safetensors and nnunetv2:

    python scripts/interop/check_interop.py [--weightgen PATH]

PATH defaults to $WEIGHTGEN, then .build/debug/weightgen. Checks:
  1. a .pth written by `weightgen convert` loads with torch.load(weights_only=True), values equal,
     aliases shared;
  2. a .safetensors written by `weightgen convert` loads with the safetensors package;
  3. NIfTI images (float32 and uint8 mask) written by `weightgen convert` load in nibabel with the
     same values and affine;
  4. an nnU-Net model folder rewritten by `weightgen convert` loads in nnUNetPredictor and predicts
     exactly what the original folder predicts (needs ../shared/fixtures/nnunet_model).
Prints "skipped: torch not installed" and exits 0 when torch is missing.
"""
import argparse
import os
import subprocess
import sys
import tempfile

try:
    import torch
except ImportError:
    print("skipped: torch not installed")
    sys.exit(0)

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAILURES = []


def check(name, condition, detail=""):
    print(("PASS " if condition else "FAIL ") + name + (f": {detail}" if detail and not condition else ""))
    if not condition:
        FAILURES.append(name)


def weightgen(binary, *args):
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"weightgen {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def check_tensors(binary, folder):
    from safetensors.torch import load_file, save_file
    generator = torch.Generator().manual_seed(0)
    shared = torch.randn(4, 3, 3, 3, generator=generator)
    state = {"conv.weight": shared, "alias.weight": shared, "conv.bias": torch.randn(4, generator=generator),
             "bn.num_batches_tracked": torch.tensor(7), "half": torch.randn(5, generator=generator).half(),
             "bf16": torch.randn(3, generator=generator).bfloat16(), "f64": torch.randn(2, dtype=torch.float64),
             "mask": torch.tensor([True, False, True]), "bytes": torch.arange(5, dtype=torch.uint8),
             "int": torch.arange(3, dtype=torch.int32)}
    source = os.path.join(folder, "source.pth")
    torch.save(state, source)
    converted = os.path.join(folder, "converted.safetensors")
    weightgen(binary, "convert", source, converted)
    loaded = load_file(converted)
    check("safetensors load of weightgen output", set(loaded) == set(state)
          and all(torch.equal(loaded[k], state[k]) and loaded[k].dtype == state[k].dtype for k in state))
    back = os.path.join(folder, "back.pth")
    weightgen(binary, "convert", converted, back)
    reloaded = torch.load(back, weights_only=True)
    check("torch.load(weights_only=True) of weightgen .pth", set(reloaded) == set(state)
          and all(torch.equal(reloaded[k], state[k]) and reloaded[k].dtype == state[k].dtype for k in state))
    direct = os.path.join(folder, "direct.pth")
    weightgen(binary, "convert", source, direct)
    direct_state = torch.load(direct, weights_only=True)
    check("aliases share one storage in weightgen .pth",
          direct_state["conv.weight"].untyped_storage().data_ptr()
          == direct_state["alias.weight"].untyped_storage().data_ptr())
    save_file({"x": torch.ones(2, 2)}, os.path.join(folder, "py.safetensors"), metadata={"k": "v"})
    weightgen(binary, "convert", os.path.join(folder, "py.safetensors"), os.path.join(folder, "py.pth"))
    check("safetensors → .pth", torch.equal(torch.load(os.path.join(folder, "py.pth"), weights_only=True)["x"],
                                            torch.ones(2, 2)))


def check_nifti(binary, folder):
    import nibabel as nib
    affine = np.array([[0.0, 0.0, 1.2, -30.5], [-0.8, 0.0, 0.0, 31.0], [0.0, 0.8, 0.0, -19.0], [0, 0, 0, 1]])
    data = (np.arange(5 * 6 * 7, dtype=np.int16).reshape(5, 6, 7) - 40)
    image = nib.Nifti1Image(data, affine)
    image.header.set_slope_inter(0.5, 3.0)
    source = os.path.join(folder, "image.nii.gz")
    nib.save(image, source)
    for name in ["out.nii", "out.nii.gz"]:
        target = os.path.join(folder, name)
        weightgen(binary, "convert", source, target)
        written = nib.load(target)
        check(f"nibabel reads weightgen {name}",
              np.array_equal(written.get_fdata(), nib.load(source).get_fdata())
              and np.allclose(written.affine, affine, atol=1e-6) and written.get_data_dtype() == np.float32,
              f"affine {written.affine}")
    mask = nib.Nifti1Image((np.arange(60).reshape(3, 4, 5) % 3).astype(np.uint8), affine)
    nib.save(mask, os.path.join(folder, "mask.nii.gz"))
    target = os.path.join(folder, "mask_out.nii.gz")
    weightgen(binary, "convert", "--mask", os.path.join(folder, "mask.nii.gz"), target)
    written = nib.load(target)
    check("nibabel reads weightgen uint8 mask", written.get_data_dtype() == np.uint8
          and np.array_equal(np.asanyarray(written.dataobj), np.asanyarray(mask.dataobj))
          and np.allclose(written.affine, affine, atol=1e-6))


def check_nnunet(binary, folder):
    model = os.path.join(ROOT, "..", "shared", "fixtures", "nnunet_model")
    if not os.path.isdir(model):
        print("skipped: nnU-Net check needs ../shared/fixtures/nnunet_model")
        return
    try:
        for variable in ["nnUNet_raw", "nnUNet_preprocessed", "nnUNet_results"]:
            os.environ.setdefault(variable, folder)
        from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor
    except ImportError:
        print("skipped: nnunetv2 not installed")
        return
    written = os.path.join(folder, "model")
    weightgen(binary, "convert", model, written)
    checkpoint = torch.load(os.path.join(written, "fold_0", "checkpoint_final.pth"), weights_only=True)
    check("nnU-Net checkpoint loads with weights_only=True", len(checkpoint["network_weights"]) == 188)

    def predictor(path):
        p = nnUNetPredictor(tile_step_size=0.5, use_gaussian=True, use_mirroring=True, perform_everything_on_device=False,
                            device=torch.device("cpu"), verbose=False, verbose_preprocessing=False, allow_tqdm=False)
        p.initialize_from_trained_model_folder(path, use_folds=(0,), checkpoint_name="checkpoint_final.pth")
        return p

    original, rewritten = predictor(model), predictor(written)
    same_weights = all(torch.equal(a, b) for a, b in zip(original.list_of_parameters[0].values(),
                                                         rewritten.list_of_parameters[0].values()))
    check("nnUNetPredictor loads the weightgen model folder with identical weights", same_weights)
    image = np.random.default_rng(0).normal(size=(1, 1, 64, 48)).astype(np.float32)
    properties = {"spacing": [1.0, 0.84375, 0.84375]}
    first = original.predict_single_npy_array(image, properties, None, None, True)[1]
    second = rewritten.predict_single_npy_array(image, properties, None, None, True)[1]
    check("nnU-Net predicts identically from the weightgen model folder", np.array_equal(first, second))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weightgen", default=os.environ.get("WEIGHTGEN", os.path.join(ROOT, ".build", "debug", "weightgen")))
    binary = os.path.abspath(parser.parse_args().weightgen)
    if not os.path.exists(binary):
        print(f"FAIL weightgen binary not found at {binary} (build it or pass --weightgen)")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        for step in (check_tensors, check_nifti, check_nnunet):
            try:
                step(binary, folder)
            except Exception as error:  # report and continue with the other checks
                check(step.__name__, False, repr(error))
    print(f"{len(FAILURES)} failure(s)" if FAILURES else "all interop checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
