#!/usr/bin/env python3
"""Is a half-trained network fragile? Dice of a zoo's checkpoints with small random noise
added to their weights, middle-quality checkpoints against the best ones.

Usage: checkpoint_noise.py ZOO DATASET [TASK] [RUNS]
  ZOO      a weightgen zoo folder (zoo.sqlite, runs/)
  DATASET  the folder of nnU-Net raw datasets the zoo was built from
  TASK     default cord; RUNS: the first N runs of the task (default 16, the default generator's)
Environment: WEIGHTGEN (default .build/release/weightgen). Needs numpy and safetensors.

For each checkpoint: its recorded test Dice, its Dice over all of the dataset's cases as
`weightgen evaluate` measures it, then the same with Gaussian noise of 1% and 3% of each
tensor's RMS added (three draws each). Relative noise of 1% is how far the default
generator's outputs lie from the zoo checkpoint they copy (docs/GENERATOR.md).
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import numpy as np
from safetensors.numpy import load_file, save_file

zoo, dataset = sys.argv[1], sys.argv[2]
task = sys.argv[3] if len(sys.argv) > 3 else "cord"
run_count = int(sys.argv[4]) if len(sys.argv) > 4 else 16
weightgen = os.environ.get("WEIGHTGEN", ".build/release/weightgen")

db = sqlite3.connect(os.path.join(zoo, "zoo.sqlite"))
configuration, layout = db.execute("select configuration, layout from architectures").fetchone()
entries = json.loads(layout)["entries"]
plan = json.loads(db.execute("select plan from zoo").fetchone()[0])
description = {"architecture": json.loads(configuration), "iteration": 0, "metrics": {},
               "patchSize": plan["patchSize"], "reoriented": True, "task": task}
rows = db.execute(
    "select r.run_index, r.file, k.iteration, k.tensor_name, k.test_dice from checkpoints k "
    "join runs r on k.run_id = r.id join tasks t on r.task_id = t.id "
    "where t.name = ? and r.run_index < ? and r.status = 'done' and k.iteration > 0", (task, run_count)).fetchall()
groups = [("middle (test Dice 0.1-0.5)", [r for r in rows if 0.1 <= r[4] <= 0.5]),
          ("upper (0.6-0.8)", [r for r in rows if 0.6 <= r[4] <= 0.8][:5]),
          ("top 5", sorted(rows, key=lambda r: -r[4])[:5])]
scratch = tempfile.mkdtemp()


def dice(flat):
    """Mean Dice over the dataset's cases of a network holding the flat parameter vector."""
    folder = os.path.join(scratch, "net")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    tensors = {e["name"]: flat[e["offset"]:e["offset"] + int(np.prod(e["shape"]))].reshape(e["shape"]).copy() for e in entries}
    save_file(tensors, os.path.join(folder, "weights.safetensors"))
    with open(os.path.join(folder, "network.json"), "w") as f:
        json.dump(description, f)
    out = subprocess.run([weightgen, "evaluate", "--model", folder, "--dataset", dataset, "--task", task, "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["mean_dice"]


rng = np.random.default_rng(0)
try:
    for label, group in groups:
        print(label)
        for run, file, iteration, name, test in group:
            flat = load_file(os.path.join(zoo, file))[name]
            line = f"  run {run} iteration {iteration}: test {test:.3f}, all cases {dice(flat):.3f}"
            for level in (0.01, 0.03):
                draws = []
                for _ in range(3):
                    noisy = flat.copy()
                    for e in entries:
                        part = noisy[e["offset"]:e["offset"] + int(np.prod(e["shape"]))]
                        part += rng.normal(0, level * float(np.sqrt(np.mean(part ** 2))), part.shape).astype(np.float32)
                    draws.append(dice(noisy))
                line += f"; {level:.0%} noise " + " ".join(f"{d:.3f}" for d in draws)
            print(line, flush=True)
finally:
    shutil.rmtree(scratch, ignore_errors=True)
