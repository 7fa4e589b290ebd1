"""What the benchmark peer scripts share (imported from the script's own folder): the command
line weightgen passes, importing torch or reporting why not, the transformer block, and median timing."""
import argparse
import json
import sys
import time


def start_peer(repeats=10, warmup=3):
    """Parses --threads/--repeats/--warmup/--spec and imports torch with that many threads.
    Returns (args, spec, torch), or None after printing {"skipped": reason} when torch is missing."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--spec", required=True, help="JSON description of the cases, as weightgen writes it")
    args = parser.parse_args()
    try:
        import torch
    except ImportError as error:
        print(json.dumps({"skipped": f"torch is not importable by {sys.executable}: {error}"}))
        return None
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    return args, json.loads(args.spec), torch


def report(torch, args, cases):
    """Prints the one JSON line weightgen reads: {"torch", "threads", "cases": {name: seconds}}."""
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "cases": cases}))


def transformer_block(torch, width, heads):
    """minGPT's pre-LN block as both weightgen benchmarks build it: attention, then a 4× GELU MLP."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.fc1, self.fc2 = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

        def forward(self, x):
            b, t, w = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, heads, w // heads).permute(2, 0, 3, 1, 4)
            a = torch.nn.functional.scaled_dot_product_attention(q, k, v)
            x = x + self.proj(a.transpose(1, 2).reshape(b, t, w))
            return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(x))))

    return Block()


def median_time(step, repeats, warmup):
    """Median wall time of `step` over `repeats` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]
