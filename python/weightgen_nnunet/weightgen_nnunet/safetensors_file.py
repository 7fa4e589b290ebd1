"""The safetensors format (https://github.com/huggingface/safetensors), float32 only, without
the `safetensors` package: an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range, then the raw little-endian data."""
import json
import struct

import numpy as np

from .atomic import write_atomically


def write_safetensors(path: str, tensors: dict, metadata: dict) -> None:
    """Writes `tensors` (name → array, stored as float32) and string `metadata` to `path` atomically."""
    arrays = {name: np.ascontiguousarray(value, dtype="<f4") for name, value in tensors.items()}
    header, offset = {"__metadata__": {key: str(value) for key, value in metadata.items()}}, 0
    for name, array in arrays.items():
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    write_atomically(path, [struct.pack("<Q", len(text)), text] + [array.tobytes() for array in arrays.values()])


def read_safetensors(path: str) -> tuple:
    """(name → float32 array, metadata) of a file `write_safetensors` wrote."""
    with open(path, "rb") as handle:
        data = handle.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        if entry["dtype"] != "F32" or end > len(body):
            raise ValueError(f"{path}: tensor {name} is not a complete float32 tensor")
        tensors[name] = np.frombuffer(body[start:end], dtype="<f4").reshape(entry["shape"])
    return tensors, metadata
