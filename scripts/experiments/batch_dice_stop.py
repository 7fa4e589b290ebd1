#!/usr/bin/env python3
"""Stopping a generation on its training batches' Dice, no validation check: what it would answer.

Reads the logs of `weightgen learned-optimizer generate ... --answer final` (every call checked,
so the log holds every network's validation Dice and every call's training batch Dice, the batch
read at the network before the call's move) and, for stop rules "after the first call whose
batch, and the M - 1 before it, read >= F x the prompt (a batch of no foreground, read 1, does not
count)", prints how many generations the rule would answer with a network at >= 0.9 x the prompt
on validation and its mean calls, beside the calls to that target.
Usage: scripts/experiments/batch_dice_stop.py PROMPT LOG...
"""
import sys


def read(path):
    lines = open(path).read().splitlines()
    dice = {line.split(':')[0]: [float(x) for x in line.split(':')[1].split()]
            for line in lines if line.startswith(('validation Dice per call', 'training batch Dice per call'))}
    return dice['validation Dice per call'], dice['training batch Dice per call']


def main():
    prompt, runs = float(sys.argv[1]), [read(path) for path in sys.argv[2:]]
    target = 0.9 * prompt
    first = [next((i for i, d in enumerate(v) if d >= target), None) for v, _ in runs]
    reached = [f for f in first if f is not None]
    print(f'{len(runs)} generations; calls to 0.9 x the prompt: mean {sum(reached) / len(reached):.2f} ({len(reached)} reach it)')
    for share in (0.5, 0.6, 0.7, 0.8, 0.9):
        for m in (1, 2):
            good, calls = 0, []
            for validation, batch in runs:
                stop = next((c for c in range(m, len(batch) + 1)
                             if all(share * prompt <= batch[c - 1 - j] < 1 for j in range(m))), None)
                if stop is not None and validation[stop] >= target:
                    good += 1
                    calls.append(stop)
            mean = f'{sum(calls) / len(calls):.2f}' if calls else '-'
            print(f'F {share:.1f}, {m} batch(es) in a row: reaches 0.9 x from {good} of {len(runs)}, mean calls {mean}')


if __name__ == '__main__':
    main()
