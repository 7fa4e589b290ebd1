#!/usr/bin/env python3
"""Two generators' evaluations compared start by start.

Reads two `weightgen learned-optimizer evaluate --json` files made from the same unseen starts
(the same --seeds) and prints, per task, the second minus the first: the unseen starts' test
Dice, the calls to 0.9 x the prompt over the starts both reached it from, and the time over the
recipe's where both reached it (meaningful only when both evaluations ran with nothing beside
them); each a mean with its 95% Student-t interval, and how many starts each reached.

Usage: scripts/experiments/paired_generations.py FIRST.json SECOND.json
"""
import json
import sys

from checked_both_sides import estimate


def main(first_path, second_path):
    with open(first_path) as file:
        first = json.load(file)
    with open(second_path) as file:
        second = json.load(file)
    for a, b in zip(first["tasks"], second["tasks"]):
        dice = estimate([y - x for x, y in zip(a["unseen"], b["unseen"])])
        sa, sb = a["speed"], b["speed"]
        both = [k for k in range(len(sa["generatorCalls"])) if sa["generatorCalls"][k] is not None and sb["generatorCalls"][k] is not None]
        reached = [sum(c is not None for c in s["generatorCalls"]) for s in (sa, sb)]
        line = (f"{a['task']}: test Dice {dice[0]:+.3f} [{dice[1]:+.3f}, {dice[2]:+.3f}] over {len(a['unseen'])} starts; "
                f"reached {reached[0]} and {reached[1]} of {len(sa['generatorCalls'])}")
        if len(both) >= 2:
            calls = estimate([sb["generatorCalls"][k] - sa["generatorCalls"][k] for k in both])
            line += f"; calls to 0.9 x, where both reached ({len(both)}): {calls[0]:+.1f} [{calls[1]:+.1f}, {calls[2]:+.1f}]"
            timed = [k for k in both if sa["trainingSeconds"][k] and sb["trainingSeconds"][k]]
            if len(timed) >= 2:
                ratio = estimate([sb["generatorSeconds"][k] / sb["trainingSeconds"][k] - sa["generatorSeconds"][k] / sa["trainingSeconds"][k]
                                  for k in timed])
                line += f"; time over the recipe's: {ratio[0]:+.3f} [{ratio[1]:+.3f}, {ratio[2]:+.3f}]"
        print(line)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
