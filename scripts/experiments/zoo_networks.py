"""Shared helpers of the experiment scripts: a weightgen zoo's checkpoints as flat numpy
vectors, and the Dice of any such vector over a dataset's cases as `weightgen evaluate`
measures it. Environment: WEIGHTGEN (default .build/release/weightgen). Needs numpy and safetensors."""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile

import numpy as np
from safetensors.numpy import load_file, save_file


class ZooNetworks:
    def __init__(self, zoo, dataset, task):
        self.zoo, self.dataset, self.task = zoo, dataset, task
        self.weightgen = os.environ.get("WEIGHTGEN", ".build/release/weightgen")
        self.db = sqlite3.connect(os.path.join(zoo, "zoo.sqlite"))
        configuration, layout = self.db.execute("select configuration, layout from architectures").fetchone()
        self.entries = json.loads(layout)["entries"]
        plan = json.loads(self.db.execute("select plan from zoo").fetchone()[0])
        self.description = {"architecture": json.loads(configuration), "iteration": 0, "metrics": {},
                            "patchSize": plan["patchSize"], "reoriented": True, "task": task}
        self.scratch = tempfile.mkdtemp()

    def rows(self, run_count):
        """(run index, file, iteration, tensor name, recorded test Dice) of the first run_count done runs."""
        return self.db.execute(
            "select r.run_index, r.file, k.iteration, k.tensor_name, k.test_dice from checkpoints k "
            "join runs r on k.run_id = r.id join tasks t on r.task_id = t.id "
            "where t.name = ? and r.run_index < ? and r.status = 'done' order by r.run_index, k.iteration",
            (self.task, run_count)).fetchall()

    def vector(self, file, name):
        return load_file(os.path.join(self.zoo, file))[name]

    def run(self, run_index):
        """The run's checkpoints in order: [(flat parameters, recorded test Dice)]."""
        rows = [r for r in self.rows(run_index + 1) if r[0] == run_index]
        tensors = load_file(os.path.join(self.zoo, rows[0][1]))
        return [(tensors[name], dice) for _, _, _, name, dice in rows]

    def tensors(self, flat):
        """Each tensor's slice of a flat vector (views, in layout order)."""
        return [flat[e["offset"]:e["offset"] + int(np.prod(e["shape"]))] for e in self.entries]

    def dice(self, flat):
        """Mean Dice over the dataset's cases of a network holding the flat parameter vector."""
        folder = os.path.join(self.scratch, "net")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        save_file({e["name"]: part.reshape(e["shape"]).copy() for e, part in zip(self.entries, self.tensors(flat))},
                  os.path.join(folder, "weights.safetensors"))
        with open(os.path.join(folder, "network.json"), "w") as f:
            json.dump(self.description, f)
        out = subprocess.run([self.weightgen, "evaluate", "--model", folder, "--dataset", self.dataset, "--task", self.task, "--json"],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout)["mean_dice"]

    def close(self):
        shutil.rmtree(self.scratch, ignore_errors=True)
