"""A worker that speaks the protocol by hand and breaks it on request, for robustness tests.

Usage: rogue_worker.py MODE. It answers TASK "misbehave" by breaking the protocol as MODE says,
and echoes any other task. Modes: bad-magic, unknown-type, bad-flags, oversized, truncated,
unknown-task, second-hello, supervisor-frame, no-pong, after-shutdown, hello-later-frame,
wrong-version (says HELLO in protocol version 2).
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
    version = 2 if MODE == "wrong-version" else 1
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
    else:
        frame(0x03, task_id, b"misbehaved politely")


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
    elif kind == 0x07:
        if MODE != "no-pong":
            frame(0x08, ident)
    elif kind == 0x0A:
        if MODE == "after-shutdown":
            frame(0x08, 4242)
            time.sleep(3600)
        sys.exit(0)
