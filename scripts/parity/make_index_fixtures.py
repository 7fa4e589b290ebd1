#!/usr/bin/env python3
"""Writes PyTorch's answers for the row-indexing ops (index_select and index_add_ along axis 0),
with their input gradients, into Tests/Fixtures/torch_ops in the format of the shared op
fixtures: {"op", "torch", "args", "inputs", "output", "grad_output", "grads"}, tensors as
{"shape", "data"} (integer tensors with "dtype": "int64"). The indices repeat rows and leave
rows unaddressed, the cases where a sum has several terms or none. Run from the parity venv
(scripts/parity/make_venv.sh).
"""
import json
from pathlib import Path

import torch


def tensor(t):
    entry = {"shape": list(t.shape), "data": [float(v) if t.is_floating_point() else int(v) for v in t.reshape(-1).tolist()]}
    if not t.is_floating_point():
        entry["dtype"] = "int64"
    return entry


def write(folder, name, op, inputs, index, output, grad_output):
    output.backward(grad_output)
    fixture = {
        "op": op, "torch": torch.__version__, "args": {},
        "inputs": {**{k: tensor(v.detach()) for k, v in inputs.items()}, "index": tensor(index)},
        "output": tensor(output.detach()), "grad_output": tensor(grad_output),
        "grads": {k: tensor(v.grad) for k, v in inputs.items()},
    }
    (folder / f"{name}.json").write_text(json.dumps(fixture))


def main():
    folder = Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "torch_ops"
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    # 6 rows of 2 × 3; the 9 entries read rows 0, 2, 3 and 5 (row 3 three times), never 1 or 4.
    index = torch.tensor([3, 0, 5, 3, 2, 0, 3, 5, 2])
    x = torch.randn(6, 2, 3, dtype=torch.float64, requires_grad=True)
    selected = torch.index_select(x, 0, index)
    write(folder, "index_select", "index_select", {"x": x}, index, selected, torch.randn(selected.shape, dtype=torch.float64))
    # 9 entries of 4 summed into 6 rows, rows 1 and 4 receiving none.
    source = torch.randn(9, 4, dtype=torch.float64, requires_grad=True)
    added = torch.zeros(6, 4, dtype=torch.float64).index_add(0, index, source)
    write(folder, "index_add", "index_add", {"source": source}, index, added, torch.randn(added.shape, dtype=torch.float64))


if __name__ == "__main__":
    main()
