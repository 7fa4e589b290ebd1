"""Regenerates the fuzzing seed corpora in Fuzz/corpus (run with a Python that has torch,
numpy, nibabel and safetensors). Every seed is small and synthetic."""
import io
import os
import zipfile
from collections import OrderedDict

import nibabel as nib
import numpy as np
import torch
from safetensors.numpy import save as save_safetensors

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


def nifti_seeds():
    affine = np.array([[0, 0, 1.5, -10], [-0.8, 0, 0, 20], [0, 0.8, 0, -5], [0, 0, 0, 1]])
    cases = {
        "float32.nii": nib.Nifti1Image(np.arange(24, dtype=np.float32).reshape(2, 3, 4), affine),
        "uint8.nii": nib.Nifti1Image((np.arange(24) % 3).astype(np.uint8).reshape(4, 3, 2), np.eye(4)),
        "int16.nii": nib.Nifti1Image(np.arange(-6, 6, dtype=np.int16).reshape(3, 2, 2), affine),
        "nifti2.nii": nib.Nifti2Image(np.arange(8, dtype=np.float64).reshape(2, 2, 2), affine),
    }
    for name, image in cases.items():
        put("nifti", name, image.to_bytes())
    scaled = nib.Nifti1Image(np.arange(12, dtype=np.int16).reshape(3, 4, 1), affine)
    scaled.header.set_slope_inter(0.5, 2.0)
    scaled.header.set_qform(affine, code=1)
    scaled.header.set_sform(None, code=0)
    put("nifti", "scaled_qform.nii", scaled.to_bytes())
    big = nib.Nifti1Image(np.arange(8, dtype=">i2").reshape(2, 2, 2), np.eye(4))
    put("nifti", "bigendian.nii", big.header.as_byteswapped(">").binaryblock + b"\0" * 4
        + np.arange(8, dtype=">i2").tobytes(order="F"))
    import gzip
    put("nifti", "float32.nii.gz", gzip.compress(cases["float32.nii"].to_bytes()))


def saved(obj, **kwargs):
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def pth_and_pickle_seeds():
    generator = torch.Generator().manual_seed(0)
    state = OrderedDict(
        [("0.weight", torch.randn(2, 1, 2, 2, generator=generator)), ("0.bias", torch.zeros(2)),
         ("1.num_batches_tracked", torch.tensor(3)), ("2.half", torch.ones(3, dtype=torch.float16)),
         ("2.bf16", torch.ones(2, dtype=torch.bfloat16)), ("2.flag", torch.tensor([True, False]))])
    base = torch.arange(12.0).reshape(3, 4)
    views = {"full": base, "t": base.t(), "slice": base[1:, 1:3]}
    checkpoint = {"network_weights": state, "current_epoch": 2, "trainer_name": "nnUNetTrainer",
                  "init_args": {"configuration": "2d", "device": torch.device("cpu")},
                  "inference_allowed_mirroring_axes": (0, 1), "logging": {"loss": [np.float32(0.5)]},
                  "_best_ema": np.float64(0.25)}
    files = {
        "state_dict.pth": saved(state),
        "views.pth": saved(views),
        "protocol4.pth": saved(state, pickle_protocol=4),
        "checkpoint.pth": saved(checkpoint),
        "legacy.pth": saved(state, _use_new_zipfile_serialization=False),
    }
    for name, data in files.items():
        put("pth", name, data)
        if name != "legacy.pth":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                pickle_name = next(n for n in archive.namelist() if n.endswith("data.pkl"))
                put("pickle", name.replace(".pth", ".pkl"), archive.read(pickle_name))


def safetensors_seeds():
    put("safetensors", "mixed.safetensors", save_safetensors(
        {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, 2], dtype=np.int64),
         "c": np.zeros((0, 2), dtype=np.float16)}, metadata={"format": "pt"}))
    put("safetensors", "scalar.safetensors", save_safetensors({"s": np.array(1.5, dtype=np.float64)}))


if __name__ == "__main__":
    nifti_seeds()
    pth_and_pickle_seeds()
    safetensors_seeds()
