#!/usr/bin/env python3
"""Do straight lines between networks pass through every Dice between their ends? Dice of
networks on the line from one network to another, at fractions 0.1 ... 0.9 of the way: the
measurement behind the generator's path targets (docs/GENERATOR.md).

Usage: path_interpolation.py ZOO DATASET [TASK]
  ZOO      a weightgen zoo folder (zoo.sqlite, runs/)
  DATASET  the folder of nnU-Net raw datasets the zoo was built from
Environment: WEIGHTGEN (default .build/release/weightgen). Needs numpy and safetensors.

Lines: a run's initialisation to its final checkpoint (runs 0 and 1); the two checkpoints
of run 0 between which its Dice jumps the most; another run's initialisation to run 0's
final checkpoint; all-zero weights to run 0's final checkpoint. Dice over all of the
dataset's cases, as `weightgen evaluate` measures it.
"""
import sys

from zoo_networks import ZooNetworks

zoo = ZooNetworks(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "cord")
try:
    run0, run1 = zoo.run(0), zoo.run(1)
    jump = max(range(1, len(run0) - 1), key=lambda k: run0[k + 1][1] - run0[k][1])
    lines = [("run 0: initialisation -> final", run0[0][0], run0[-1][0]),
             ("run 1: initialisation -> final", run1[0][0], run1[-1][0]),
             (f"run 0: checkpoint {jump} ({run0[jump][1]:.2f}) -> {jump + 1} ({run0[jump + 1][1]:.2f})", run0[jump][0], run0[jump + 1][0]),
             ("run 1's initialisation -> run 0's final", run1[0][0], run0[-1][0]),
             ("zero -> run 0's final", 0 * run0[-1][0], run0[-1][0])]
    for label, start, end in lines:
        values = [zoo.dice((1 - a) * start + a * end) for a in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)]
        print(f"{label}: ends {zoo.dice(start):.2f} / {zoo.dice(end):.2f}; 0.1...0.9: " + " ".join(f"{v:.2f}" for v in values), flush=True)
finally:
    zoo.close()
