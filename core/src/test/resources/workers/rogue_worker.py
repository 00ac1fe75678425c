"""A worker that speaks the protocol by hand and breaks it on request, for robustness tests.

Usage: rogue_worker.py MODE. It answers TASK "misbehave" by breaking the protocol as MODE says,
and echoes any other task. Modes: bad-magic, unknown-type, bad-flags, oversized, truncated,
unknown-task, second-hello, supervisor-frame, no-pong, after-shutdown, hello-later-frame,
wrong-version (says HELLO in protocol version 1, which the supervisor no longer speaks).
A BATCH whose first input is "misbehave" is answered as a batch mode says: batch-skip,
batch-overrun, batch-bad-kind, batch-bad-lengths, batch-bad-error, result-for-batch; in mode
batch-result-for-task a TASK "misbehave" is answered with a BATCH_RESULT. Other batches are
echoed.
"""
import os
import struct
import sys
import threading
import time

MODE = sys.argv[1]
HEARTBEAT = int(os.environ.get("STOCKADE_HEARTBEAT_MS", "1000")) / 1000.0
MAX_FRAME = int(os.environ.get("STOCKADE_MAX_FRAME_SIZE", str(16 << 20)))
out = os.fdopen(os.dup(1), "wb", buffering=0)
os.dup2(2, 1)
lock = threading.Lock()


def raw(data):
    with lock:
        out.write(data)


def frame(kind, ident, payload=b"", flags=0):
    raw(b"SK" + struct.pack(">BBQI", kind, flags, ident, len(payload)) + payload)


def hello():
    version = 1 if MODE == "wrong-version" else 2
    frame(0x01, 0, struct.pack(">HI", version, os.getpid()) + b"rogue " + MODE.encode())


def heartbeats():
    while True:
        time.sleep(HEARTBEAT)
        frame(0x05, 0)


def read_exactly(n):
    data = b""
    while len(data) < n:
        chunk = sys.stdin.buffer.read(n - len(data))
        if not chunk:
            sys.exit(0)
        data += chunk
    return data


def misbehave(task_id):
    if MODE == "bad-magic":
        raw(b"oops, plain text on stdout\n")
    elif MODE == "unknown-type":
        frame(0x7F, task_id)
    elif MODE == "bad-flags":
        frame(0x03, task_id, b"x", flags=1)
    elif MODE == "oversized":
        raw(b"SK" + struct.pack(">BBQI", 0x03, 0, task_id, MAX_FRAME + 1))
    elif MODE == "truncated":
        raw((b"SK" + struct.pack(">BBQI", 0x03, 0, task_id, 100) + b"short")[:10])
        out.close()
    elif MODE == "unknown-task":
        frame(0x03, task_id + 1000, b"not yours")
    elif MODE == "second-hello":
        hello()
    elif MODE == "supervisor-frame":
        frame(0x02, task_id, b"a task, from a worker")
    elif MODE == "batch-result-for-task":
        frame(0x0C, task_id, outcomes(0, [b"x"]))
    else:
        frame(0x03, task_id, b"misbehaved politely")


def inputs_of(payload):
    (count,) = struct.unpack_from(">I", payload)
    lengths = struct.unpack_from(">%dI" % count, payload, 4)
    at, items = 4 + 4 * count, []
    for n in lengths:
        items.append(payload[at:at + n])
        at += n
    return items


def outcomes(first, bodies, kinds=None):
    kinds = kinds or bytes(len(bodies))
    return (struct.pack(">II", first, len(bodies)) + kinds
            + struct.pack(">%dI" % len(bodies), *map(len, bodies)) + b"".join(bodies))


def batch(task_id, items):
    if items[0] != b"misbehave":
        frame(0x0C, task_id, outcomes(0, items))
    elif MODE == "batch-skip":
        frame(0x0C, task_id, outcomes(1, items[1:]))
    elif MODE == "batch-overrun":
        frame(0x0C, task_id, outcomes(0, items + [b"extra"]))
    elif MODE == "batch-bad-kind":
        frame(0x0C, task_id, outcomes(0, items, bytes([7]) + bytes(len(items) - 1)))
    elif MODE == "batch-bad-lengths":
        frame(0x0C, task_id, outcomes(0, items)[:-1])
    elif MODE == "batch-bad-error":
        frame(0x0C, task_id, outcomes(0, [b"\x00\x00"] + items[1:], bytes([1]) + bytes(len(items) - 1)))
    elif MODE == "result-for-batch":
        frame(0x03, task_id, b"one result for a batch")
    else:
        frame(0x0C, task_id, outcomes(0, items))


if MODE != "hello-later-frame":
    hello()
else:
    frame(0x05, 0)  # a heartbeat before HELLO
threading.Thread(target=heartbeats, daemon=True).start()
while True:
    kind, flags, ident, length = struct.unpack(">2xBBQI", read_exactly(16))
    payload = read_exactly(length)
    if kind == 0x02:
        if payload == b"misbehave":
            misbehave(ident)
        else:
            frame(0x03, ident, payload)
    elif kind == 0x0B:
        batch(ident, inputs_of(payload))
    elif kind == 0x07:
        if MODE != "no-pong":
            frame(0x08, ident)
    elif kind == 0x0A:
        if MODE == "after-shutdown":
            frame(0x08, 4242)
            time.sleep(3600)
        sys.exit(0)
