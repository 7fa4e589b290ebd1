#!/usr/bin/env python3
"""The time goal with validation checks timed on both sides.

An evaluation (`weightgen learned-optimizer evaluate --json F`) times the generation's checks and
reads the recipe's curve at every iteration with its checks left out. A recipe run for real must
check too to know it has reached the target. This reads such evaluations and prices the recipe's
checks as the generation's: each start's recipe iteration at its mean cost (seconds to the target
over iterations to it), a check at the median cost of the generation's checks in that evaluation,
and the recipe checked every k iterations (k = 1..8), credited with the target at the first
multiple of k at or after the iteration that first reached it (a curve that dips below the target
there would only take it longer). For each k: the generation's time over the recipe's, mean and
95% Student-t interval over the starts where both reached the target; then the k at which the
recipe does best, the ratio least favourable to the generation.

Usage: scripts/experiments/checked_both_sides.py EVALUATION.json...
"""
import json
import math
import statistics
import sys

# Two-sided 95% Student-t quantiles by degrees of freedom, as Sources/Generator/Estimate.swift.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
       11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086}


def estimate(values):
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = T95.get(len(values) - 1, 1.96) * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def main(paths):
    for path in paths:
        with open(path) as file:
            evaluation = json.load(file)
        for task in evaluation["tasks"]:
            speed = task["speed"]
            starts = [(g, c, n, t, i) for g, c, n, t, i in zip(speed["generatorSeconds"], speed["generatorComputeSeconds"],
                                                             speed["generatorChecks"], speed["trainingSeconds"],
                                                             speed["trainingIterations"])
                      if None not in (g, c, n, t, i) and n > 0 and i > 0]
            if not starts:
                print(f"{path} {task['task']}: no start where both reached the target")
                continue
            check = statistics.median((g - c) / n for g, c, n, _, _ in starts)
            rows = []
            for k in range(1, 9):
                ratios = [g / ((t / i) * k * math.ceil(i / k) + check * math.ceil(i / k)) for g, _, _, t, i in starts]
                rows.append((k, estimate(ratios)))
            unchecked = estimate([g / t for g, _, _, t, _ in starts])
            worst = max(rows, key=lambda row: row[1][0])
            print(f"{path} {task['task']}: {len(starts)} starts, check {check * 1e3:.2f} ms; "
                  f"the recipe's checks left out {unchecked[0]:.3f} [{unchecked[1]:.3f}, {unchecked[2]:.3f}]; "
                  + " ".join(f"k={k} {mean:.3f}" for k, (mean, _, _) in rows)
                  + f"; the recipe's best k={worst[0]}: {worst[1][0]:.3f} [{worst[1][1]:.3f}, {worst[1][2]:.3f}]")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
