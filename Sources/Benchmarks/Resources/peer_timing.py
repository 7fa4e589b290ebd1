"""Timing shared by the benchmark peer scripts (imported from the script's own folder)."""
import time


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
