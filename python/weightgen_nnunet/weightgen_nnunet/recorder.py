"""A recording run's folder, `fold_N/weightgen_zoo/`:

    manifest.json             the run (trainer, dataset, seed, hyperparameters, split) and its checkpoints
    epoch-0000.safetensors    the initial weights
    epoch-0005.safetensors    the weights after 5 completed epochs, ...

Each checkpoint file is written whole under a temporary name and renamed into place, and the
manifest, rewritten the same way, lists it only afterwards: a run killed at any moment shows
only complete checkpoints. Readers trust the manifest alone (files it does not list are
leftovers) and check each listed file's size and CRC-32.
"""
import fnmatch
import json
import os
import zlib

from .atomic import write_atomically
from .safetensors_file import write_safetensors

FORMAT = "weightgen-nnunet-zoo-run"
FOLDER_NAME = "weightgen_zoo"
MANIFEST_NAME = "manifest.json"


class ZooRecorder:
    """Writes checkpoints and the manifest of one recording run."""

    def __init__(self, folder: str, run: dict, parameter_patterns=()):
        """`run` holds what describes the run as a whole (trainer, dataset, seed, hyperparameters, split);
        `parameter_patterns` restricts the recorded parameters to names matching one of them."""
        self.folder = folder
        self.patterns = list(parameter_patterns)
        os.makedirs(folder, exist_ok=True)
        self.manifest = dict(format=FORMAT, version=1, **run, parameters=self.patterns or ["*"], complete=False, checkpoints=[])

    def resume(self, completed_epochs: int) -> None:
        """Keeps the recorded checkpoints up to `completed_epochs` (training continued from a checkpoint)."""
        path = os.path.join(self.folder, MANIFEST_NAME)
        if os.path.isfile(path):
            with open(path) as handle:
                previous = json.load(handle)
            self.manifest["checkpoints"] = [c for c in previous.get("checkpoints", []) if c["epoch"] <= completed_epochs]

    def recorded(self, epoch: int) -> bool:
        """Whether the weights after `epoch` completed epochs are already recorded."""
        return any(c["epoch"] == epoch for c in self.manifest["checkpoints"])

    def record(self, network, epoch: int, iteration: int, metrics: dict) -> None:
        """Writes `network`'s parameters after `epoch` completed epochs (`iteration` optimiser steps)
        with `metrics` (train_loss, validation_loss, pseudo_dice, ema_pseudo_dice, learning_rate)."""
        tensors = {name: parameter.detach().float().cpu().numpy()
                   for name, parameter in network.named_parameters()
                   if not self.patterns or any(fnmatch.fnmatchcase(name, p) for p in self.patterns)}
        if not tensors:
            raise ValueError(f"no parameter matches {self.patterns}")
        name = f"epoch-{epoch:04d}.safetensors"
        path = os.path.join(self.folder, name)
        write_safetensors(path, tensors, {"format": FORMAT, "epoch": epoch, "iteration": iteration})
        with open(path, "rb") as handle:
            data = handle.read()
        entry = dict(epoch=epoch, iteration=iteration, file=name, bytes=len(data), crc32=zlib.crc32(data),
                     **{key: _finite(value) for key, value in metrics.items()})
        self.manifest["checkpoints"] = [c for c in self.manifest["checkpoints"] if c["epoch"] != epoch] + [entry]
        self._write_manifest()

    def finish(self) -> None:
        """Marks the run complete: every scheduled checkpoint is recorded."""
        self.manifest["complete"] = True
        self._write_manifest()

    def _write_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=1, sort_keys=False).encode()
        write_atomically(os.path.join(self.folder, MANIFEST_NAME), [text])


def _finite(value):
    """JSON has no NaN: a missing or non-finite metric is written as null."""
    if value is None:
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None
