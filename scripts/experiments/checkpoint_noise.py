#!/usr/bin/env python3
"""Is a half-trained network fragile? Dice of a zoo's checkpoints with small random noise
added to their weights, middle-quality checkpoints against the best ones.

Usage: checkpoint_noise.py ZOO DATASET [TASK] [RUNS]
  ZOO      a weightgen zoo folder (zoo.sqlite, runs/)
  DATASET  the folder of nnU-Net raw datasets the zoo was built from
  TASK     default cord; RUNS: the first N runs of the task (default 16, the start-hidden preset's)
Environment: WEIGHTGEN (default .build/release/weightgen). Needs numpy and safetensors.

For each checkpoint: its recorded test Dice, its Dice over all of the dataset's cases as
`weightgen evaluate` measures it, then the same with Gaussian noise of 1% and 3% of each
tensor's RMS added (three draws each). Relative noise of 1% is how far an earlier
start-hidden preset's outputs lay from the zoo checkpoint they copy (docs/results/GENERATOR.md).
"""
import sys

import numpy as np

from zoo_networks import ZooNetworks

zoo = ZooNetworks(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "cord")
rows = [r for r in zoo.rows(int(sys.argv[4]) if len(sys.argv) > 4 else 16) if r[2] > 0]
groups = [("middle (test Dice 0.1-0.5)", [r for r in rows if 0.1 <= r[4] <= 0.5]),
          ("upper (0.6-0.8)", [r for r in rows if 0.6 <= r[4] <= 0.8][:5]),
          ("top 5", sorted(rows, key=lambda r: -r[4])[:5])]
rng = np.random.default_rng(0)
try:
    for label, group in groups:
        print(label)
        for run, file, iteration, name, test in group:
            flat = zoo.vector(file, name)
            line = f"  run {run} iteration {iteration}: test {test:.3f}, all cases {zoo.dice(flat):.3f}"
            for level in (0.01, 0.03):
                draws = []
                for _ in range(3):
                    noisy = flat.copy()
                    for part in zoo.tensors(noisy):
                        part += rng.normal(0, level * float(np.sqrt(np.mean(part ** 2))), part.shape).astype(np.float32)
                    draws.append(zoo.dice(noisy))
                line += f"; {level:.0%} noise " + " ".join(f"{d:.3f}" for d in draws)
            print(line, flush=True)
finally:
    zoo.close()
