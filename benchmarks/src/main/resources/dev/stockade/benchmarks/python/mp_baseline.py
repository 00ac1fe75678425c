"""Python's own multiprocessing.Pool, timed the way the worker benchmarks time a WorkerPool.

Measures, with time.perf_counter, in iterations of a fixed length like a JMH run (warmup
iterations first, not counted):

* apply: ``Pool(1).apply(echo, (b"12345678",))``, one round trip at a time; microseconds per
  call, averaged over each iteration.
* imap_unordered: ``Pool(2).imap_unordered(echo, range(2000), chunksize=1)`` consumed to the
  end; milliseconds per 2000 tasks, averaged over each iteration.

``echo`` returns its argument. Each pool is made (and its workers started) before its warmup
and ended (``terminate``, by the ``with`` block) after its last iteration; neither is timed.
Prints one JSON object with flat keys on stdout. Standard library only.

    python3 mp_baseline.py [--warmup 3] [--iterations 5] [--apply-seconds 1] [--imap-seconds 2]
"""

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time

PAYLOAD = b"12345678"
TASKS = 2000


def echo(x):
    return x


def iterate(op, seconds):
    """Runs op until ``seconds`` have passed; returns (calls, elapsed seconds)."""
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        op()
        calls += 1
        now = time.perf_counter()
        if now >= deadline:
            return calls, now - start


def measure(op, warmup, iterations, seconds, scale):
    """Per-iteration averages of one call, in seconds * scale."""
    for _ in range(warmup):
        iterate(op, seconds)
    figures = []
    calls_total = 0
    for _ in range(iterations):
        calls, elapsed = iterate(op, seconds)
        calls_total += calls
        figures.append(elapsed / calls * scale)
    return figures, calls_total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--apply-seconds", type=float, default=1.0)
    parser.add_argument("--imap-seconds", type=float, default=2.0)
    args = parser.parse_args()

    with multiprocessing.Pool(1) as pool:
        if pool.apply(echo, (PAYLOAD,)) != PAYLOAD:
            raise SystemExit("Pool(1).apply did not echo")

        def apply_once():
            pool.apply(echo, (PAYLOAD,))

        apply_us, apply_calls = measure(apply_once, args.warmup, args.iterations,
                                        args.apply_seconds, 1e6)

    with multiprocessing.Pool(2) as pool:
        def imap_all():
            n = 0
            for _ in pool.imap_unordered(echo, range(TASKS), chunksize=1):
                n += 1
            if n != TASKS:
                raise SystemExit("imap_unordered gave %d of %d results" % (n, TASKS))

        imap_ms, imap_calls = measure(imap_all, args.warmup, args.iterations,
                                      args.imap_seconds, 1e3)

    result = {
        "python": platform.python_version(),
        "start_method": multiprocessing.get_start_method(),
        "cpu_count": os.cpu_count(),
        "warmup_iterations": args.warmup,
        "iterations": args.iterations,
        "apply_seconds_per_iteration": args.apply_seconds,
        "imap_seconds_per_iteration": args.imap_seconds,
        "imap_tasks": TASKS,
        "apply_us_mean": statistics.fmean(apply_us),
        "apply_us_stdev": statistics.stdev(apply_us) if len(apply_us) > 1 else 0.0,
        "apply_us_iterations": apply_us,
        "apply_calls": apply_calls,
        "imap_ms_mean": statistics.fmean(imap_ms),
        "imap_ms_stdev": statistics.stdev(imap_ms) if len(imap_ms) > 1 else 0.0,
        "imap_ms_iterations": imap_ms,
        "imap_calls": imap_calls,
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
