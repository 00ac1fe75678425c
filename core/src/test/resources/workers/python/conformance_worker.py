"""The handler of the conformance test: the payload is a command, "name" or "name:argument"."""

import ctypes
import os
import subprocess
import threading
import time

import stockade_worker

# The helper "late-progress" leaves behind, and what it saw, until "stop-late" stops it.
_late = {}


def _long_text(argument):
    """For "<ascii>:<count>": that many "a"s, then that many four-byte characters."""
    ascii_count, _, count = argument.partition(":")
    return "a" * int(ascii_count) + "\U0001D11E" * int(count)


def _send_late_notes(context, stop):
    sent = dropped = 0
    while not stop.wait(0.001):
        if context.progress("late"):
            sent += 1
        else:
            dropped += 1
    _late["counts"] = (sent, dropped)


def handle(payload, context):
    command, _, raw_argument = payload.partition(b":")
    command = command.decode("utf-8")
    if command == "echo":
        return raw_argument  # bytes as they came: any byte value must survive the round trip
    argument = raw_argument.decode("utf-8")
    if command == "print":
        print(argument)
        # A child inherits descriptors 0-2: its output must reach stderr, not the protocol.
        subprocess.run(["sh", "-c", "echo child-output; echo child-err >&2"], check=True)
        return "ok"
    if command == "fail":
        raise ValueError(argument)
    if command == "progress":
        for i in range(int(argument)):
            context.progress("step %d" % (i + 1))
        return "done"
    if command == "sleep":
        context.progress("started")
        deadline = time.monotonic() + int(argument) / 1000.0
        while time.monotonic() < deadline and not context.cancelled:
            time.sleep(0.01)
        return "slept"
    if command == "spin":
        context.progress("started")
        n = 0
        while True:  # pure Python: the interpreter can raise KeyboardInterrupt between bytecodes
            n += 1
    if command == "spawn":
        child = subprocess.Popen(["sleep", "1000"])
        return str(child.pid)
    if command == "spawn-session":
        child = subprocess.Popen(["sleep", "1000"], start_new_session=True)
        return str(child.pid)
    if command == "pid":
        return str(os.getpid())
    if command == "cpu-time":
        # The CPU time of the main thread, which runs the tasks and waits for the next between them
        return str(time.thread_time_ns())
    if command == "mark":
        # A file in the working directory: proof that this input ran.
        with open(argument, "w"):
            pass
        return "marked"
    if command == "big":
        return b"x" * int(argument)
    if command == "fail-long":
        raise ValueError(_long_text(argument))
    if command == "fail-trace":
        # The long text is in the cause, which the trace shows before the error itself.
        raise ValueError("short") from LookupError(_long_text(argument))
    if command == "progress-long":
        return "sent" if context.progress(_long_text(argument)) else "dropped"
    if command == "late-progress":
        # A helper thread that goes on reporting after the handler returned.
        stop = threading.Event()
        helper = threading.Thread(target=_send_late_notes, args=(context, stop), daemon=True)
        _late["stop"], _late["helper"] = stop, helper
        helper.start()
        return "returned"
    if command == "stop-late":
        _late["stop"].set()
        _late["helper"].join()
        sent, dropped = _late["counts"]
        return "sent %d dropped %d" % (sent, dropped)
    if command == "sum":
        # One C call that holds the GIL throughout: the heartbeat thread cannot run meanwhile.
        return str(sum(range(int(argument))))
    if command == "block-heartbeat-while-a-child-spins":
        # system(3) through PyDLL keeps the GIL while a child spins for the given seconds and
        # then sleeps: the tree uses CPU, then none, and no heartbeat gets out in between. The
        # shell ignores SIGTERM, so a teardown's SIGTERM cannot end the wait and let a result out.
        ctypes.PyDLL(None).system(("trap '' TERM; timeout -s KILL %s sh -c 'while :; do :; done';"
                                   " sleep 30" % argument).encode())
        return "woke"
    if command == "block-heartbeat":
        # libc sleep through PyDLL keeps the GIL, so no other Python thread can run
        ctypes.PyDLL(None).sleep(30)
        return "woke"
    raise LookupError("unknown command " + command)


if __name__ == "__main__":
    stockade_worker.run(handle)
