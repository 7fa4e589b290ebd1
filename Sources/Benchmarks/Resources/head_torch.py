#!/usr/bin/env python3
"""PyTorch side of the benchmark case "one head run on cached activations": the last decoder
stage of a PlainConvUNet (conv, InstanceNorm, LeakyReLU per conv, then the 1x1 segmentation
layer) trained on a cached pool of head inputs with nnU-Net's Dice + cross-entropy loss, poly
learning rate, gradient clipping and SGD (Nesterov) or Adam, as weightgen's CachedHeadTrainer does.

The spec names a safetensors file holding the pool (`inputs`, `labels`), the batch order
(`batches`) and the head's starting parameters under nnU-Net's state-dict names, so both sides
run the same training. One timed run = a fresh head from those parameters, a fresh optimiser and
every iteration.

Prints {"torch": version, "threads": n, "cases": {name: seconds per run}, "losses": [per-step
loss of the last run]} or {"skipped": reason}.
"""
import json
import re
import struct
import sys

from peer_common import median_time, start_peer


def read_safetensors(torch, path):
    """Every tensor of a float32 safetensors file, parsed here so the safetensors package is not needed."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    header.pop("__metadata__", None)
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        # A bytearray copy is writable and aligned, which torch.frombuffer wants.
        data = bytearray(raw[8 + length + begin:8 + length + end])
        tensors[name] = torch.frombuffer(data, dtype=torch.float32).reshape(entry["shape"])
    return tensors


def dice_cross_entropy(torch, logits, target, batch_dice, smooth=1e-5):
    """nnU-Net's DC_and_CE_loss (1:1, do_bg False): cross-entropy + MemoryEfficientSoftDiceLoss (−mean Dice)."""
    ce = torch.nn.functional.cross_entropy(logits, target)
    probabilities = torch.softmax(logits, 1)[:, 1:]
    onehot = torch.zeros_like(logits).scatter_(1, target[:, None], 1)[:, 1:]
    axes = [0] + list(range(2, logits.dim())) if batch_dice else list(range(2, logits.dim()))
    intersect = (probabilities * onehot).sum(axes)
    dice = (2 * intersect + smooth) / torch.clip(onehot.sum(axes) + probabilities.sum(axes) + smooth, min=1e-8)
    return ce - dice.mean()


def head_forward(functional, p, x, stage, convs, seg, eps, slope, activation=None):
    """The head on inputs x as weightgen's PlainConvUNet.head runs it: per conv of the decoder
    stage (names prefixed `stage`), conv, InstanceNorm and LeakyReLU (or `activation(name, x)`,
    named by the conv's prefix); then the 1x1 segmentation layer `seg`."""
    activation = activation or (lambda name, x: functional.leaky_relu(x, slope))
    for c in convs:
        x = functional.conv2d(x, p[f"{stage}{c}.conv.weight"], p[f"{stage}{c}.conv.bias"], padding=1)
        x = functional.instance_norm(x, weight=p[f"{stage}{c}.norm.weight"], bias=p[f"{stage}{c}.norm.bias"], eps=eps)
        x = activation(f"{stage}{c}.", x)
    return functional.conv2d(x, p[seg + "weight"], p[seg + "bias"])


def main():
    started = start_peer(repeats=3, warmup=1)
    if started is None:
        return
    args, spec, torch = started
    functional = torch.nn.functional
    tensors = read_safetensors(torch, spec["file"])
    level = spec["level"]
    stage = f"decoder.stages.{level}.convs."
    convs = sorted({int(m.group(1)) for name in tensors if (m := re.match(re.escape(stage) + r"(\d+)\.", name))})
    seg = f"decoder.seg_layers.{level}."
    names = [f"{stage}{c}.{part}" for c in convs for part in ("conv.weight", "conv.bias", "norm.weight", "norm.bias")]
    names += [seg + "weight", seg + "bias"]
    inputs = tensors["inputs"]
    # Targets and indices are converted once: both are integers stored as float32 in the file.
    targets = tensors["labels"][:, 0].long()
    batches = tensors["batches"].long()
    iterations = spec["iterations"]
    if spec["optimizer"] not in ("sgd", "adam"):
        raise ValueError(f"optimizer {spec['optimizer']!r}: this peer runs sgd (Nesterov) and adam (L2 decay) only")
    eps, slope = spec["eps"], spec["negative_slope"]

    def head(p, x):
        return head_forward(functional, p, x, stage, convs, seg, eps, slope)

    losses = []

    def one_run():
        p = {name: tensors[name].clone().requires_grad_(True) for name in names}
        parameters = list(p.values())
        if spec["optimizer"] == "sgd":
            # torch refuses Nesterov without momentum; weightgen's SGD then takes plain steps, as this does.
            optimizer = torch.optim.SGD(parameters, lr=spec["learning_rate"], momentum=spec["momentum"],
                                        nesterov=spec["momentum"] > 0, weight_decay=spec["weight_decay"])
        elif spec["optimizer"] == "adam":
            optimizer = torch.optim.Adam(parameters, lr=spec["learning_rate"], weight_decay=spec["weight_decay"])
        losses.clear()
        for i in range(iterations):
            # PolyLearningRate: step i of `iterations` (at least 1), exponent 0.9.
            for group in optimizer.param_groups:
                group["lr"] = spec["learning_rate"] * max(0.0, 1 - i / max(iterations, 1)) ** 0.9
            index = batches[i]
            optimizer.zero_grad()
            loss = dice_cross_entropy(torch, head(p, inputs[index]), targets[index], spec["batch_dice"])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, spec["gradient_clip"])
            optimizer.step()
            losses.append(loss.item())

    seconds = median_time(one_run, args.repeats, args.warmup)
    # report() prints no extra keys; the losses let weightgen check both sides trained alike.
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "cases": {spec["name"]: seconds},
                      "losses": losses}))


if __name__ == "__main__":
    sys.exit(main())
