"""Recorder unit tests: the schedule, the file layout, and that kill -9 at any moment leaves
only complete checkpoints listed in the manifest. Run: python -m unittest discover tests"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

import torch

from weightgen_nnunet.recorder import MANIFEST_NAME, ZooRecorder
from weightgen_nnunet.safetensors_file import read_safetensors
from weightgen_nnunet.settings import ZooSettings

WRITER = """
import sys, torch
from weightgen_nnunet.recorder import ZooRecorder
network = torch.nn.Sequential(torch.nn.Linear(1500, 1500), torch.nn.Linear(1500, 10))
recorder = ZooRecorder(sys.argv[1], {"seed": 0})
epoch = 0
while True:
    recorder.record(network, epoch, epoch * 5, {"train_loss": 1.0 / (epoch + 1)})
    epoch += 1
"""


def complete_checkpoints(folder: str) -> list:
    """The manifest's checkpoints, after checking each file against its size and CRC-32."""
    with open(os.path.join(folder, MANIFEST_NAME)) as handle:
        manifest = json.load(handle)
    for checkpoint in manifest["checkpoints"]:
        with open(os.path.join(folder, checkpoint["file"]), "rb") as handle:
            data = handle.read()
        assert len(data) == checkpoint["bytes"] and zlib.crc32(data) == checkpoint["crc32"], checkpoint["file"]
    return manifest["checkpoints"]


class RecorderTests(unittest.TestCase):
    def test_schedule_always_holds_the_initial_and_final_weights(self):
        self.assertEqual(ZooSettings(epochs="every:2").recorded_epochs(5), [0, 2, 4, 5])
        self.assertEqual(ZooSettings(epochs="1,3").recorded_epochs(4), [0, 1, 3, 4])
        self.assertEqual(ZooSettings().recorded_epochs(1000), [0] + list(range(50, 1001, 50)))
        with self.assertRaises(ValueError):
            ZooSettings(epochs="7").recorded_epochs(4)

    def test_environment_overrides_the_json_beside_the_dataset(self):
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "weightgen_zoo.json"), "w") as handle:
                json.dump({"epochs": [1, 2], "num_epochs": 4, "seed": 3}, handle)
            settings = ZooSettings.load(folder, {"WEIGHTGEN_ZOO_SEED": "9", "WEIGHTGEN_ZOO_PARAMETERS": "decoder.*, encoder.stages.0.*"})
            self.assertEqual((settings.epochs, settings.num_epochs, settings.seed), ("1,2", 4, 9))
            self.assertEqual(settings.parameters, ["decoder.*", "encoder.stages.0.*"])

    def test_records_named_parameters_and_metrics_in_the_manifest(self):
        network = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Conv2d(2, 2, 1))
        with tempfile.TemporaryDirectory() as folder:
            recorder = ZooRecorder(folder, {"seed": 4}, parameter_patterns=["1.*"])
            recorder.record(network, 0, 0, {"learning_rate": 0.01})
            recorder.record(network, 2, 10, {"train_loss": 0.5, "pseudo_dice": float("nan")})
            recorder.finish()
            checkpoints = complete_checkpoints(folder)
            self.assertEqual([(c["epoch"], c["iteration"]) for c in checkpoints], [(0, 0), (2, 10)])
            self.assertIsNone(checkpoints[1]["pseudo_dice"], "non-finite metrics are written as null")
            tensors, metadata = read_safetensors(os.path.join(folder, checkpoints[1]["file"]))
            self.assertEqual(sorted(tensors), ["1.bias", "1.weight"])
            self.assertEqual(metadata["epoch"], "2")
            with open(os.path.join(folder, MANIFEST_NAME)) as handle:
                self.assertTrue(json.load(handle)["complete"])

    def test_kill_at_any_moment_leaves_only_complete_checkpoints_listed(self):
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        for attempt, delay in enumerate((0.7, 1.1, 1.6, 2.3)):
            with tempfile.TemporaryDirectory() as folder:
                writer = subprocess.Popen([sys.executable, "-c", WRITER, folder], env=environment)
                deadline = time.time() + 60
                while not os.path.exists(os.path.join(folder, MANIFEST_NAME)) and time.time() < deadline:
                    time.sleep(0.05)
                time.sleep(delay)
                writer.send_signal(signal.SIGKILL)
                writer.wait()
                checkpoints = complete_checkpoints(folder)
                self.assertGreaterEqual(len(checkpoints), 1, f"attempt {attempt}")
                listed = {c["file"] for c in checkpoints} | {MANIFEST_NAME}
                leftovers = [name for name in os.listdir(folder) if name not in listed]
                self.assertTrue(all(name.startswith(".") or name.endswith(".safetensors") for name in leftovers), leftovers)


if __name__ == "__main__":
    unittest.main()
