#!/usr/bin/env python3
"""PyTorch side of the benchmark case "learned optimiser call": one call of a saved head
optimiser as weightgen's LearnedOptimizer makes it in a generation. The training-loss gradient
of the head (a PlainConvUNet's last decoder stage and segmentation layer) on a batch of cached
head inputs (nnU-Net's Dice with batch statistics + cross-entropy), each parameter's feature row
(value and gradient in its tensor's units, the tensor's log gradient scale and value RMS, the
previous move, the one-hot tensor index; UpdateFeatures), the rule's MLP (exact GELU) on every
row, and the move at the call's rate (poly decay over the maximum calls).

The spec names the optimiser folder (optimizer.json, optimizer.safetensors) and a safetensors
file with, per call k, weightgen's inputs to it (`values.k`, `previous.k`, `inputs.k`,
`labels.k`) and its result (`moved.k`). Each call here starts from weightgen's inputs, so the
two sides compute the same thing call by call.

Prints {"torch", "threads", "cases": {name: median seconds per timed call},
"largest_difference": the largest |move difference| over every call, relative to the RMS of
weightgen's move in that call} or {"skipped": reason}.
"""
import json
import math
import os
import re
import sys
import time

from head_torch import dice_cross_entropy, head_forward, read_safetensors
from peer_common import start_peer


def main():
    started = start_peer(repeats=1, warmup=0)
    if started is None:
        return
    args, spec, torch = started
    functional = torch.nn.functional
    with open(os.path.join(spec["optimizer"], "optimizer.json")) as f:
        description = json.load(f)
    rule = read_safetensors(torch, os.path.join(spec["optimizer"], "optimizer.safetensors"))
    calls = read_safetensors(torch, spec["file"])
    configuration, architecture = description["configuration"], description["architecture"]
    entries = description["normalizer"]["layout"]["entries"]
    means = torch.tensor(description["normalizer"]["means"])
    deviations = torch.tensor(description["normalizer"]["deviations"])
    names = [entry["name"] for entry in entries]
    shapes = [entry["shape"] for entry in entries]
    counts = [math.prod(shape) for shape in shapes]
    tensor_of = torch.repeat_interleave(torch.arange(len(entries)), torch.tensor(counts))
    one_hot = torch.eye(len(entries))[tensor_of]
    levels = {int(m.group(1)) for name in names if (m := re.match(r"decoder\.stages\.(\d+)\.", name))}
    if len(levels) != 1 or not all(name.startswith("decoder.") for name in names):
        raise ValueError(f"the optimiser updates {names}: this peer computes a head (one decoder stage and its segmentation layer)")
    level = levels.pop()
    stage, seg = f"decoder.stages.{level}.convs.", f"decoder.seg_layers.{level}."
    convs = sorted({int(m.group(1)) for name in names if (m := re.match(re.escape(stage) + r"(\d+)\.", name))})
    eps, slope = architecture["normEps"], architecture["negativeSlope"]
    layers = sorted({int(m.group(1)) for name in rule if (m := re.match(r"layers\.(\d+)\.", name))})
    linears = [(rule[f"layers.{i}.weight"], rule[f"layers.{i}.bias"]) for i in layers]
    memory = configuration["memory"] == "previous-move"
    rate = description["learningRates"][spec["task"]]
    maximum_calls, poly = configuration["maximumCalls"], configuration["schedule"] == "poly"

    def call(k):
        values, previous = calls[f"values.{k}"], calls[f"previous.{k}"]
        p, offset = {}, 0
        for name, shape, count in zip(names, shapes, counts):
            p[name] = values[offset:offset + count].reshape(shape).clone().requires_grad_(True)
            offset += count
        targets = calls[f"labels.{k}"][:, 0].long()
        loss = dice_cross_entropy(torch, head_forward(functional, p, calls[f"inputs.{k}"], stage, convs, seg, eps, slope),
                                  targets, batch_dice=True)
        gradient = torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, [p[name] for name in names])])
        with torch.no_grad():
            normalised = (values - means[tensor_of]) / deviations[tensor_of]
            squares = torch.zeros(len(entries)).index_add_(0, tensor_of, gradient * gradient)
            value_squares = torch.zeros(len(entries)).index_add_(0, tensor_of, normalised * normalised)
            size = torch.tensor(counts, dtype=torch.float32)
            gradient_scale = (squares / size).sqrt() * deviations
            # Scales floored at a thousandth of the largest, as UpdateFeatures does.
            gradient_scale = torch.clamp(gradient_scale, min=1e-3 * gradient_scale.max().item())
            value_scale = (value_squares / size).sqrt()
            scale = gradient_scale[tensor_of]
            columns = [normalised, torch.where(scale > 0, gradient * deviations[tensor_of] / scale, torch.zeros_like(scale)),
                       torch.log10(scale + 1e-12) / 4, value_scale[tensor_of]]
            if memory:
                columns.append(previous)
            h = torch.cat([torch.stack(columns, 1), one_hot], 1)
            for index, (weight, bias) in enumerate(linears):
                h = functional.linear(h, weight, bias)
                if index < len(linears) - 1:
                    h = functional.gelu(h)
            fraction = max(0.0, 1 - k / maximum_calls) ** 0.9 if poly else 1.0
            return values + h[:, 0] * description["moveScale"] * rate * fraction * deviations[tensor_of]

    total = spec["warmup"] + spec["calls"]
    seconds, largest = [], 0.0
    for k in range(total):
        began = time.perf_counter()
        moved = call(k)
        if k >= spec["warmup"]:
            seconds.append(time.perf_counter() - began)
        theirs, values = calls[f"moved.{k}"], calls[f"values.{k}"]
        scale = (theirs - values).pow(2).mean().sqrt().item()
        largest = max(largest, (moved - theirs).abs().max().item() / max(scale, 1e-30))
    seconds.sort()
    median = (seconds[(len(seconds) - 1) // 2] + seconds[len(seconds) // 2]) / 2
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "cases": {spec["name"]: median},
                      "largest_difference": largest}))


if __name__ == "__main__":
    sys.exit(main())
