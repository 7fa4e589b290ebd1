#!/usr/bin/env python3
"""PyTorch side of the benchmark case "learned optimiser call": one call of a saved learned
optimiser as weightgen's LearnedOptimizer makes it in a generation. The training-loss gradient
on the call's batch (nnU-Net's Dice + cross-entropy): for a head optimiser, of the head (a
PlainConvUNet's last decoder stage and segmentation layer) on cached head inputs, with batch
Dice; for whole networks, of weightgen's PlainConvUNet on training patches, with per-sample
Dice. Then each parameter's feature row (value and gradient in its tensor's units, the tensor's
log gradient scale and value RMS, the previous move, the one-hot tensor index; UpdateFeatures),
the rule's MLP (exact GELU) on every row, and the move at the call's rate (poly decay over the
maximum calls).

The spec names the optimiser folder (optimizer.json, optimizer.safetensors) and a safetensors
file with, per call k, weightgen's inputs to it (`values.k`, `previous.k`, `inputs.k`,
`labels.k`) and its result (`moved.k`). Each call here starts from weightgen's inputs, so the
two sides compute the same thing call by call.

Each call is also computed in float64, untimed, as the reference: the RMS of the difference
between weightgen's move and the reference move, over the RMS of the reference move, is
reported for the worst call, and the same for PyTorch's float32 move. A LeakyReLU input within
float32 rounding of zero (|z| below 1e-5 of its layer's RMS) may fall on either side of the kink
in a float32 computation, and its gradient then takes the other slope at that position, which
moves its layer's weight gradient by up to a few percent. So each such position also gives a
reference with its slope taken from the other side, and a move farther than the spec's
tolerance from the reference is compared with the nearest of these; the report names the flips
a side needed.

Prints {"torch", "threads", "cases": {name: median seconds per timed call},
"largest_difference", "largest_difference_call", "peer_largest_difference",
"peer_largest_difference_call", "kink_flips": [[side, call, layer, |z| over its layer's RMS], ...]}
or {"skipped": reason}.
"""
import json
import math
import os
import re
import sys
import time

from head_torch import dice_cross_entropy, head_forward, read_safetensors
from peer_common import start_peer


def unet_forward(torch, p, x, architecture, activation):
    """weightgen's PlainConvUNet without deep supervision, from its nnU-Net state-dict names:
    encoder stages (the first conv of each carrying the stage's stride), then per decoder stage
    a transposed convolution, the skip concatenated after it and the stage's convs; the last
    stage's segmentation layer gives the logits. Each conv: conv, InstanceNorm, then
    `activation(prefix, x)` (the LeakyReLU)."""
    functional = torch.nn.functional
    kernels, strides = architecture["kernelSizes"], architecture["strides"]
    rank = len(kernels[0])
    conv, transposed = (functional.conv2d, functional.conv_transpose2d) if rank == 2 else (functional.conv3d, functional.conv_transpose3d)
    eps, slope, stages = architecture["normEps"], architecture["negativeSlope"], len(architecture["featuresPerStage"])

    def block(prefix, x, kernel, stride):
        x = conv(x, p[prefix + "conv.weight"], p.get(prefix + "conv.bias"), stride=stride, padding=[(k - 1) // 2 for k in kernel])
        x = functional.instance_norm(x, weight=p[prefix + "norm.weight"], bias=p[prefix + "norm.bias"], eps=eps)
        return activation(prefix, x)

    skips = []
    for s in range(stages):
        for c in range(architecture["convsPerStage"][s]):
            x = block(f"encoder.stages.{s}.0.convs.{c}.", x, kernels[s], strides[s] if c == 0 else 1)
        skips.append(x)
    lower = skips[-1]
    for i in range(stages - 1):
        up = transposed(lower, p[f"decoder.transpconvs.{i}.weight"], p.get(f"decoder.transpconvs.{i}.bias"), stride=strides[stages - 1 - i])
        lower = torch.cat([up, skips[stages - i - 2]], 1)
        for c in range(architecture["convsPerStageDecoder"][i]):
            lower = block(f"decoder.stages.{i}.convs.{c}.", lower, kernels[stages - i - 2], 1)
    last = f"decoder.seg_layers.{stages - 2}."
    return conv(lower, p[last + "weight"], p[last + "bias"])


class KinkFlip:
    """One LeakyReLU input near zero: its layer, its flat index, and |z| over the layer's RMS."""

    def __init__(self, layer, index, relative):
        self.layer, self.index, self.relative = layer, index, relative


class KinkActivation:
    """The LeakyReLU, which can also list its inputs within float32 rounding of zero (`record`,
    then `stop` returns them) or take one such position's slope from the other side (`flip`)."""

    near_zero = 1e-5
    most = 8

    def __init__(self, torch, slope):
        self.torch, self.slope = torch, slope
        self.recording, self.flipped, self.found = False, None, []

    def record(self):
        self.recording, self.flipped, self.found = True, None, []

    def flip(self, flip):
        self.recording, self.flipped = False, flip

    def stop(self):
        """Ends a recording or a flip; returns the recorded positions, the nearest zero first
        (at most `most`: each costs one more reference computation)."""
        found, self.recording, self.flipped, self.found = self.found, False, None, []
        return sorted(found, key=lambda flip: flip.relative)[:self.most]

    def __call__(self, layer, x):
        torch = self.torch
        y = torch.nn.functional.leaky_relu(x, self.slope)
        if self.recording:
            z = x.detach().reshape(-1).abs()
            scale = max(z.pow(2).mean().sqrt().item(), 1e-30)
            for index in (z < self.near_zero * scale).nonzero()[:, 0].tolist():
                self.found.append(KinkFlip(layer, index, z[index].item() / scale))
        if self.flipped is not None and self.flipped.layer == layer:
            # The value is unchanged to within |z|; the slope is the other side's.
            other = torch.where(x.detach() > 0, x * self.slope, x).reshape(-1)
            mask = torch.zeros(x.numel(), dtype=torch.bool)
            mask[self.flipped.index] = True
            y = torch.where(mask, other, y.reshape(-1)).reshape(x.shape)
        return y


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
    # A conv block's convolution bias, which its instance norm subtracts again, is held, as weightgen holds it.
    held = torch.tensor([re.search(r"\.convs\.\d+\.conv\.bias$", name) is not None for name in names])[tensor_of]
    slope = architecture["negativeSlope"]
    kinks = KinkActivation(torch, slope)
    if description.get("partial"):
        levels = {int(m.group(1)) for name in names if (m := re.match(r"decoder\.stages\.(\d+)\.", name))}
        if len(levels) != 1 or not all(name.startswith("decoder.") for name in names):
            raise ValueError(f"the optimiser updates {names}: this peer computes a head (one decoder stage and its segmentation layer)")
        level = levels.pop()
        stage, seg = f"decoder.stages.{level}.convs.", f"decoder.seg_layers.{level}."
        convs = sorted({int(m.group(1)) for name in names if (m := re.match(re.escape(stage) + r"(\d+)\.", name))})
        eps = architecture["normEps"]

        def logits(p, x):
            return head_forward(functional, p, x, stage, convs, seg, eps, slope, activation=kinks)
        batch_dice = True
    else:
        def logits(p, x):
            return unet_forward(torch, p, x, architecture, activation=kinks)
        batch_dice = False
    layers = sorted({int(m.group(1)) for name in rule if (m := re.match(r"layers\.(\d+)\.", name))})
    linears = [(rule[f"layers.{i}.weight"], rule[f"layers.{i}.bias"]) for i in layers]
    memory = configuration["memory"] == "previous-move"
    rate = description["learningRates"][spec["task"]]
    maximum_calls, poly = configuration["maximumCalls"], configuration["schedule"] == "poly"

    def call(k, dtype):
        """Call k in `dtype`: float32 is the timed computation, float64 the reference both sides are checked against."""
        values, previous = calls[f"values.{k}"].to(dtype), calls[f"previous.{k}"].to(dtype)
        p, offset = {}, 0
        for name, shape, count in zip(names, shapes, counts):
            p[name] = values[offset:offset + count].reshape(shape).clone().requires_grad_(True)
            offset += count
        targets = calls[f"labels.{k}"][:, 0].long()
        loss = dice_cross_entropy(torch, logits(p, calls[f"inputs.{k}"].to(dtype)), targets, batch_dice=batch_dice)
        # A parameter off the loss's path (an unused segmentation layer) has a zero gradient, as in weightgen.
        gradients = torch.autograd.grad(loss, [p[name] for name in names], allow_unused=True)
        gradient = torch.cat([(g if g is not None else torch.zeros_like(p[name])).reshape(-1) for g, name in zip(gradients, names)])
        with torch.no_grad():
            mean, deviation = means.to(dtype), deviations.to(dtype)
            normalised = (values - mean[tensor_of]) / deviation[tensor_of]
            squares = torch.zeros(len(entries), dtype=dtype).index_add_(0, tensor_of, gradient * gradient)
            value_squares = torch.zeros(len(entries), dtype=dtype).index_add_(0, tensor_of, normalised * normalised)
            size = torch.tensor(counts, dtype=dtype)
            gradient_scale = (squares / size).sqrt() * deviation
            # Scales floored at a thousandth of the largest, as UpdateFeatures does.
            gradient_scale = torch.clamp(gradient_scale, min=1e-3 * gradient_scale.max().item())
            value_scale = (value_squares / size).sqrt()
            scale = gradient_scale[tensor_of]
            columns = [normalised, torch.where(scale > 0, gradient * deviation[tensor_of] / scale, torch.zeros_like(scale)),
                       torch.log10(scale + 1e-12) / 4, value_scale[tensor_of]]
            if memory:
                columns.append(previous)
            h = torch.cat([torch.stack(columns, 1), one_hot.to(dtype)], 1)
            for index, (weight, bias) in enumerate(linears):
                h = functional.linear(h, weight.to(dtype), bias.to(dtype))
                if index < len(linears) - 1:
                    h = functional.gelu(h)
            fraction = max(0.0, 1 - k / maximum_calls) ** 0.9 if poly else 1.0
            move = h[:, 0] * description["moveScale"] * rate * fraction * deviation[tensor_of]
            return values + torch.where(held, torch.zeros_like(move), move)

    def relative_difference(moved, reference, values):
        """RMS of the difference between two moves over the RMS of the reference move (the whole
        move's scale: a parameter the loss hardly reaches has a gradient of rounding noise)."""
        return (moved - reference).pow(2).mean().sqrt().item() / max((reference - values).pow(2).mean().sqrt().item(), 1e-30)

    def references(k):
        """The float64 reference of call k, then one per LeakyReLU input within float32 rounding
        of zero, with that position's slope taken from the other side: (flip or None, move)."""
        kinks.record()
        moves = [(None, call(k, torch.float64))]
        for flip in kinks.stop():
            kinks.flip(flip)
            moves.append((flip, call(k, torch.float64)))
            kinks.stop()
        return moves

    def nearest(moved, moves, values, side, k):
        """The difference of `moved` from the reference, or, where that exceeds the tolerance,
        from the nearest reference with a flipped slope; notes the flip it needed."""
        differences = [(relative_difference(moved, move, values), flip) for flip, move in moves]
        if differences[0][0] <= spec["tolerance"]:
            return differences[0][0]
        difference, flip = min(differences, key=lambda pair: pair[0])
        if flip is not None:
            flips.append([side, k, flip.layer, flip.relative])
        return difference

    total = spec["warmup"] + spec["calls"]
    seconds, ours, peer, flips = [], (0.0, -1), (0.0, -1), []
    for k in range(total):
        began = time.perf_counter()
        moved = call(k, torch.float32)
        if k >= spec["warmup"]:
            seconds.append(time.perf_counter() - began)
        moves, values = references(k), calls[f"values.{k}"].double()
        ours = max(ours, (nearest(calls[f"moved.{k}"].double(), moves, values, "weightgen", k), k))
        peer = max(peer, (nearest(moved.double(), moves, values, "pytorch", k), k))
    seconds.sort()
    median = (seconds[(len(seconds) - 1) // 2] + seconds[len(seconds) // 2]) / 2
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "cases": {spec["name"]: median},
                      "largest_difference": ours[0], "largest_difference_call": ours[1],
                      "peer_largest_difference": peer[0], "peer_largest_difference_call": peer[1],
                      "kink_flips": flips}))


if __name__ == "__main__":
    sys.exit(main())
