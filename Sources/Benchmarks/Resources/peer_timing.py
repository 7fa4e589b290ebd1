"""What the benchmark peer scripts share (imported from the script's own folder): the command
line weightgen passes, importing torch or reporting why not, and median timing."""
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
