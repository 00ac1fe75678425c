"""Python's own multiprocessing, timed the way the worker benchmarks time a WorkerPool.

Measures, with time.perf_counter, in iterations of a fixed length like a JMH run (warmup
iterations first, not counted):

* apply: ``Pool(1).apply(echo, (b"12345678",))``, one round trip at a time; microseconds per
  call, averaged over each iteration.
* imap_unordered: ``Pool(2).imap_unordered(echo, range(2000), chunksize=1)`` consumed to the
  end; milliseconds per 2000 tasks.
* map: ``Pool(2).map(echo, range(200000))`` with its default chunk size (``len / (4 x 2)``
  rounded up: 25,000); milliseconds per call.
* pipe: a raw ``multiprocessing.Pipe`` round trip of ``b"12345678"`` to a child process
  (``multiprocessing.Process``) that echoes it, in three ways: a duplex ``Pipe()`` (a socket
  pair) with ``send``/``recv`` (pickled), the same with ``send_bytes``/``recv_bytes`` (the bytes
  as they are), and two one-way ``Pipe(duplex=False)`` (two OS pipes) with
  ``send_bytes``/``recv_bytes``; microseconds per round trip.
* json_apply (with ``--json-object FILE``): ``Pool(1).apply(echo, (d,))`` with ``d`` the JSON
  object of FILE loaded into a dict, pickled both ways; microseconds per call.

``echo`` returns its argument. Each pool, and each pipe's child, is made (and started) before
its warmup and ended after its last iteration; neither is timed. Prints one JSON object with
flat keys on stdout: for each measurement ``<key>_mean``, ``<key>_stdev`` and
``<key>_iterations``. Standard library only.

    python3 mp_baseline.py [--warmup 3] [--iterations 5] [--apply-seconds 1] [--imap-seconds 2]
        [--map-seconds 2] [--pipe-seconds 1] [--json-seconds 1] [--json-object FILE]
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
MAP_TASKS = 200000


def echo(x):
    return x


def echo_bytes(conn):
    """A pipe's child: answers each message with its bytes until an empty one."""
    while True:
        data = conn.recv_bytes()
        if not data:
            return
        conn.send_bytes(data)


def echo_objects(conn):
    """A pipe's child: answers each object with itself until None."""
    while True:
        obj = conn.recv()
        if obj is None:
            return
        conn.send(obj)


def echo_one_way(incoming, outgoing):
    """A child of two one-way pipes: echoes from one to the other until an empty message."""
    while True:
        data = incoming.recv_bytes()
        if not data:
            return
        outgoing.send_bytes(data)


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


def record(result, key, figures, calls):
    result[key + "_mean"] = statistics.fmean(figures)
    result[key + "_stdev"] = statistics.stdev(figures) if len(figures) > 1 else 0.0
    result[key + "_iterations"] = figures
    result[key + "_calls"] = calls


def measure_pipe(target, make, send, recv, stop, args):
    """Times round trips to a child started on ``target``; ``make`` gives (ours, child's) ends."""
    ours, theirs = make()
    child = multiprocessing.Process(target=target, args=theirs)
    child.start()
    try:
        send(ours, PAYLOAD)
        if recv(ours) != PAYLOAD:
            raise SystemExit("the pipe's child did not echo")

        def round_trip():
            send(ours, PAYLOAD)
            recv(ours)

        return measure(round_trip, args.warmup, args.iterations, args.pipe_seconds, 1e6)
    finally:
        stop(ours)
        child.join(30)
        if child.exitcode is None:
            child.kill()
            child.join()


def duplex_ends():
    a, b = multiprocessing.Pipe()
    return (a,), (b,)


def one_way_ends():
    to_child_r, to_child_w = multiprocessing.Pipe(duplex=False)
    from_child_r, from_child_w = multiprocessing.Pipe(duplex=False)
    return (to_child_w, from_child_r), (to_child_r, from_child_w)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--apply-seconds", type=float, default=1.0)
    parser.add_argument("--imap-seconds", type=float, default=2.0)
    parser.add_argument("--map-seconds", type=float, default=2.0)
    parser.add_argument("--pipe-seconds", type=float, default=1.0)
    parser.add_argument("--json-seconds", type=float, default=1.0)
    parser.add_argument("--json-object")
    args = parser.parse_args()

    result = {
        "python": platform.python_version(),
        "start_method": multiprocessing.get_start_method(),
        "cpu_count": os.cpu_count(),
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "warmup_iterations": args.warmup,
        "iterations": args.iterations,
        "apply_seconds_per_iteration": args.apply_seconds,
        "imap_seconds_per_iteration": args.imap_seconds,
        "map_seconds_per_iteration": args.map_seconds,
        "pipe_seconds_per_iteration": args.pipe_seconds,
        "json_seconds_per_iteration": args.json_seconds,
        "imap_tasks": TASKS,
        "map_tasks": MAP_TASKS,
    }

    with multiprocessing.Pool(1) as pool:
        if pool.apply(echo, (PAYLOAD,)) != PAYLOAD:
            raise SystemExit("Pool(1).apply did not echo")

        def apply_once():
            pool.apply(echo, (PAYLOAD,))

        record(result, "apply_us",
               *measure(apply_once, args.warmup, args.iterations, args.apply_seconds, 1e6))

        if args.json_object:
            with open(args.json_object, "rb") as f:
                raw = f.read()
            obj = json.loads(raw)
            if pool.apply(echo, (obj,)) != obj:
                raise SystemExit("Pool(1).apply did not echo the dict")

            def apply_dict():
                pool.apply(echo, (obj,))

            result["json_object_bytes"] = len(raw)
            record(result, "json_apply_us",
                   *measure(apply_dict, args.warmup, args.iterations, args.json_seconds, 1e6))

    with multiprocessing.Pool(2) as pool:
        def imap_all():
            n = 0
            for _ in pool.imap_unordered(echo, range(TASKS), chunksize=1):
                n += 1
            if n != TASKS:
                raise SystemExit("imap_unordered gave %d of %d results" % (n, TASKS))

        record(result, "imap_ms",
               *measure(imap_all, args.warmup, args.iterations, args.imap_seconds, 1e3))

        if pool.map(echo, range(MAP_TASKS)) != list(range(MAP_TASKS)):
            raise SystemExit("Pool(2).map did not give its inputs back in order")

        def map_all():
            pool.map(echo, range(MAP_TASKS))

        record(result, "map_ms",
               *measure(map_all, args.warmup, args.iterations, args.map_seconds, 1e3))

    record(result, "pipe_send_us", *measure_pipe(
        echo_objects, duplex_ends,
        lambda ends, x: ends[0].send(x), lambda ends: ends[0].recv(),
        lambda ends: ends[0].send(None), args))
    record(result, "pipe_bytes_us", *measure_pipe(
        echo_bytes, duplex_ends,
        lambda ends, x: ends[0].send_bytes(x), lambda ends: ends[0].recv_bytes(),
        lambda ends: ends[0].send_bytes(b""), args))
    record(result, "pipe_one_way_bytes_us", *measure_pipe(
        echo_one_way, one_way_ends,
        lambda ends, x: ends[0].send_bytes(x), lambda ends: ends[1].recv_bytes(),
        lambda ends: ends[0].send_bytes(b""), args))

    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
