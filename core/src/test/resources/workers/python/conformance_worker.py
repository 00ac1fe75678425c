"""The handler of the conformance test: the payload is a command, "name" or "name:argument"."""

import ctypes
import subprocess
import time

import stockade_worker


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
