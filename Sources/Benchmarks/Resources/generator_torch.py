#!/usr/bin/env python3
"""PyTorch side of `weightgen bench generator`: the same G.pt-style generator (per-token
linear encoders and decoders, frequency-embedded scalars, task and run embeddings, pre-LN blocks with
GELU MLPs) timed for one AdamW training step at the given batch, and for generating one
network (batch 1, the given number of DDIM steps: one forward each).

Prints {"torch": version, "threads": n, "cases": {name: seconds}} or {"skipped": reason}.
"""
import math
import sys

from peer_common import median_time, report, start_peer, transformer_block


def build(torch, tokens, chunk, width, depth, heads, frequencies, tasks, residual, runs):
    nn = torch.nn

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.noisy = nn.Parameter(torch.randn(tokens, chunk, width) / math.sqrt(chunk))
            self.start = nn.Parameter(torch.randn(tokens, chunk, width) / math.sqrt(chunk))
            self.scalar = nn.Parameter(torch.randn(4, 2 * frequencies + 1, width) / math.sqrt(2 * frequencies + 1))
            self.task = nn.Parameter(torch.randn(tasks, width) * 0.02)
            self.run = nn.Parameter(torch.randn(runs, width) * 0.02) if runs else None
            self.ln_in, self.ln_out = nn.LayerNorm(width), nn.LayerNorm(width)
            self.pos = nn.Parameter(torch.zeros(1, 2 * tokens + 5, width))
            self.blocks = nn.ModuleList([transformer_block(torch, width, heads) for _ in range(depth)])
            self.decoder = nn.Parameter(torch.zeros(tokens, width, chunk))
            self.register_buffer("freqs", math.pi * 2 ** torch.linspace(0, 10, frequencies))

        def forward(self, start, noisy, scalars, task, run):
            f = scalars[..., None] * self.freqs
            features = torch.cat([torch.sin(f), torch.cos(f), scalars[..., None]], -1)
            s = torch.einsum("bsf,sfw->bsw", features, self.scalar)
            label = self.task[task] + self.run[run] if self.run is not None else self.task[task]
            h = torch.cat([torch.einsum("btc,tcw->btw", noisy, self.noisy), torch.einsum("btc,tcw->btw", start, self.start),
                           s, label[:, None]], 1)
            h = self.ln_in(h) + self.pos
            for block in self.blocks:
                h = block(h)
            out = self.ln_out(h)[:, :tokens]
            decoded = torch.einsum("btw,twc->btc", out, self.decoder)
            return decoded + start if residual else decoded

    return Generator()


def main():
    started = start_peer(repeats=5, warmup=2)
    if started is None:
        return
    args, spec, torch = started
    model = build(torch, spec["tokens"], spec["chunk"], spec["width"], spec["depth"], spec["heads"], spec["frequencies"], spec["tasks"],
                  spec.get("residual", True), spec.get("runs", 0))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1)
    batch = spec["batch"]
    start = torch.randn(batch, spec["tokens"], spec["chunk"])
    noisy = torch.randn(batch, spec["tokens"], spec["chunk"])
    target = torch.randn(batch, spec["tokens"], spec["chunk"])
    scalars = torch.rand(batch, 4)
    task = torch.zeros(batch, dtype=torch.long)
    run = torch.zeros(batch, dtype=torch.long)

    def train_step():
        optimizer.zero_grad()
        loss = ((model(start, noisy, scalars, task, run) - target) ** 2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    def generate_one():
        with torch.no_grad():
            x = noisy[:1]
            for _ in range(spec["sampling_steps"]):
                x = model(start[:1], x, scalars[:1], task[:1], run[:1])

    report(torch, args, {"generator training step": median_time(train_step, args.repeats, args.warmup),
                         "generate one network": median_time(generate_one, args.repeats, args.warmup)})


if __name__ == "__main__":
    sys.exit(main())
