"""The Python runtime of the Stockade worker protocol, version 1 (docs/protocol.md).

A persistent worker runs task after task for a Stockade ``WorkerPool``. Write a handler and
hand it to ``run``::

    import stockade_worker

    def handle(payload: bytes, context) -> bytes:
        context.progress("halfway")      # a PROGRESS frame for this task
        if context.cancelled:            # True once the pool cancelled this task
            ...
        return payload.upper()           # bytes, str (sent as UTF-8) or None (empty)

    if __name__ == "__main__":
        stockade_worker.run(handle)

or name it on the command line, so the handler module needs no main block::

    python3 stockade_worker.py some_module:handle    # "some_module" alone means some_module:handle

The module is imported from the working directory or ``sys.path``.

What this runtime guarantees:

* The protocol's stdin and stdout are moved to private descriptors before any handler code
  runs: descriptor 1 (and ``sys.stdout``) then writes to stderr and descriptor 0 reads
  ``/dev/null``, so ``print`` and child processes can neither corrupt a frame nor steal a
  request. Under a supervisor (``STOCKADE_PROTOCOL`` set) this happens when the module is
  imported; code that runs before ``import stockade_worker`` is not covered.
* HELLO is the first frame; a daemon thread then sends HEARTBEAT every
  ``STOCKADE_HEARTBEAT_MS``. Every frame is written whole under one lock.
* Tasks run one at a time on the main thread, and PONG comes from that thread.
* CANCEL sets ``context.cancelled`` and raises ``KeyboardInterrupt`` in the running handler
  (delivered as SIGINT to the main thread, so a blocking call such as ``time.sleep`` is cut
  short too). A cancelled task that ends with any exception is answered ERROR ``Cancelled``;
  one that returns normally is answered with its RESULT. A task counts as running from the
  moment its TASK frame is read: one cancelled before its handler started is answered
  ``Cancelled`` without running.
* Any other exception is answered ERROR with the exception's class name, ``str(e)`` and the
  traceback.
* Every frame fits ``STOCKADE_MAX_FRAME_SIZE``, as docs/protocol.md ("Bounds") prescribes: a
  larger result is answered ERROR ``ResultTooLarge``; an error's message and traceback, and a
  progress note, are cut to fit, never inside a UTF-8 character.
* ``context.progress()`` sends nothing, and returns False, once its task has been answered: a
  thread the handler left running cannot report for a finished task.
* SHUTDOWN: the current task is answered, then the process exits 0 at once (``os._exit``:
  atexit handlers and non-daemon threads cannot hold it up). Nothing but that answer is sent
  after SHUTDOWN (heartbeats and progress notes stop).
* End of stdin ends every descendant and the whole process group at once (``SIGKILL``). A malformed
  request writes one line to stderr and ends the group the same way.

SIGINT is the runtime's own cancellation signal: one that does not come from a CANCEL is
ignored. Standard library only; Python 3.8 or later.
"""

import importlib
import os
import platform
import queue
import signal
import struct
import sys
import threading
import traceback

__all__ = ["run", "Context"]

PROTOCOL_VERSION = 1

HELLO = 0x01
TASK = 0x02
RESULT = 0x03
ERROR = 0x04
HEARTBEAT = 0x05
PROGRESS = 0x06
PING = 0x07
PONG = 0x08
CANCEL = 0x09
SHUTDOWN = 0x0A

_REQUEST_TYPES = {TASK: "TASK", PING: "PING", CANCEL: "CANCEL", SHUTDOWN: "SHUTDOWN"}
_REPLY_TYPES = {HELLO, RESULT, ERROR, HEARTBEAT, PROGRESS, PONG}

_MAGIC = b"SK"
_HEADER = struct.Struct(">2sBBQI")
_DEFAULT_HEARTBEAT_MS = 1000
_DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024

# How long a worker that was told to shut down and then lost its stdin waits for its own exit
# before it ends the group: closing the pipe right after SHUTDOWN must not turn a clean exit 0
# into a SIGKILL.
_EXIT_AFTER_SHUTDOWN_SECONDS = 2.0


def _log(text):
    """One line on stderr, written straight to the descriptor: safe from any thread."""
    try:
        os.write(2, ("stockade_worker: " + text + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


def _descendants():
    """Pids of every live descendant of this process, found through the parent links in /proc."""
    children = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/" + name + "/stat", "rb") as stat:
                line = stat.read()
            ppid = int(line[line.rindex(b")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(name))
    found, todo = [], [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def _end_group(exit_code):
    """Ends every descendant (some may have left the group, as a browser does) and the whole
    process group, this process included; the exit code is a last resort."""
    try:
        for _ in range(2):  # twice: a child may fork while the first pass runs
            for pid in _descendants():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        os.killpg(0, signal.SIGKILL)
    finally:
        os._exit(exit_code)


# --- descriptors -----------------------------------------------------------------------------

_protocol_fds = None


def _claim_protocol_fds():
    """Moves the protocol's stdin and stdout aside once per process; returns (in_fd, out_fd)."""
    global _protocol_fds
    if _protocol_fds is not None:
        return _protocol_fds
    proto_in = os.dup(0)  # os.dup descriptors are not inherited by children
    proto_out = os.dup(1)
    # Point descriptor 1 at stderr first, and only then flush sys.stdout: text printed before
    # this moment must land on stderr, not in front of the HELLO frame.
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    try:
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        # Python 3.8 block-buffers a non-interactive stderr; lines should show as they come.
        sys.stderr.reconfigure(line_buffering=True)
    except (AttributeError, ValueError):
        pass
    sys.stdout = sys.stderr
    # The variable says "this process speaks the protocol"; a child that inherited it does not.
    os.environ.pop("STOCKADE_PROTOCOL", None)
    _protocol_fds = (proto_in, proto_out)
    return _protocol_fds


def _env_int(name, default):
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value <= 0:
        _log("%s must be a positive integer, but was %r" % (name, text))
        sys.exit(2)
    return value


# --- frames ----------------------------------------------------------------------------------

class _Violation(Exception):
    """A request that breaks the protocol."""


class _Channel:
    """Writes whole frames to the protocol descriptor; one lock orders every writer.

    After SHUTDOWN only RESULT and ERROR frames go out: anything else would be a violation.
    The lock is reentrant so that a caller can check task state and write under one hold.
    """

    def __init__(self, fd, max_frame_size):
        self._fd = fd
        self.max_frame_size = max_frame_size
        self.lock = threading.RLock()
        self.shutdown = False

    def send(self, frame_type, frame_id, payload=b""):
        data = _HEADER.pack(_MAGIC, frame_type, 0, frame_id, len(payload)) + payload
        with self.lock:
            if self.shutdown and frame_type not in (RESULT, ERROR):
                return False
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            return True


def _read_exactly(fd, count, what, at_boundary):
    """count bytes from fd; None on a clean end of stream at a frame boundary."""
    chunks = []
    remaining = count
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            if at_boundary and remaining == count:
                return None
            raise _Violation("truncated frame: stdin ended after %d of %d bytes of the %s"
                             % (count - remaining, count, what))
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_request(fd, max_frame_size):
    """The next (type, id, payload) from the supervisor, or None at end of stream."""
    header = _read_exactly(fd, _HEADER.size, "header", True)
    if header is None:
        return None
    magic, frame_type, flags, frame_id, length = _HEADER.unpack(header)
    if magic != _MAGIC:
        raise _Violation("bad magic 0x%s in a request, expected 0x534B ('SK')" % magic.hex().upper())
    if frame_type not in _REQUEST_TYPES:
        if frame_type in _REPLY_TYPES:
            raise _Violation("a frame of type 0x%02X, which only a worker sends, came from the "
                             "supervisor" % frame_type)
        raise _Violation("unknown frame type 0x%02X" % frame_type)
    name = _REQUEST_TYPES[frame_type]
    if flags != 0:
        raise _Violation("flags of a %s frame must be 0, but were 0x%02X" % (name, flags))
    if length > max_frame_size:
        raise _Violation("a %s frame of %d bytes is over STOCKADE_MAX_FRAME_SIZE (%d bytes)"
                         % (name, length, max_frame_size))
    if frame_type in (TASK, PING) and frame_id == 0:
        raise _Violation("a %s frame needs an id of at least 1" % name)
    payload = _read_exactly(fd, length, name + " payload", False) if length else b""
    return frame_type, frame_id, payload


def _text_of(error):
    """str(error), which runs the handler's code and so may itself fail."""
    try:
        return str(error)
    except BaseException:  # noqa: B036 - any failure here must not cost the task its answer
        return "<%s: str() failed>" % type(error).__name__


def _cut_utf8(data, limit):
    """The longest prefix of the UTF-8 ``data``, at most ``limit`` bytes, of whole characters."""
    if len(data) <= limit:
        return data
    end = max(0, limit)
    while end > 0 and (data[end] & 0xC0) == 0x80:  # data[end] continues a character
        end -= 1
    return data[:end]


def _utf8_within(text, limit):
    """(``text`` as UTF-8 cut to at most ``limit`` bytes at a character boundary, whether all
    of it fitted). Only the first ``limit`` characters are encoded: each takes at least one
    byte, so nothing after them could fit."""
    head = text[:max(0, limit)]
    data = head.encode("utf-8", "replace")
    cut = _cut_utf8(data, limit)
    return cut, len(head) == len(text) and len(cut) == len(data)


def _error_payload(error_type, message, trace, limit):
    """An ERROR payload within the supervisor's limit, as docs/protocol.md prescribes: the
    type, the message and the trace each get the room the fields before them left; once one is
    cut, those after it stay empty."""
    room = max(0, limit - 8)
    type_bytes, whole = _utf8_within(error_type, room)
    room -= len(type_bytes)
    message_bytes, whole = _utf8_within(message, room) if whole else (b"", False)
    room -= len(message_bytes)
    trace_bytes = _utf8_within(trace, room)[0] if whole else b""
    return (struct.pack(">I", len(type_bytes)) + type_bytes
            + struct.pack(">I", len(message_bytes)) + message_bytes + trace_bytes)


def _result_too_large_payload(size, limit):
    return _error_payload("ResultTooLarge", "the result of %d bytes is over the pool's "
                          "maxFrameSize (%d bytes)" % (size, limit), "", limit)


# --- tasks -----------------------------------------------------------------------------------

class Context:
    """What a handler knows about its task, and how it reports progress.

    ``task_id``: the task's id. ``cancelled``: True once the pool has cancelled the task.
    """

    def __init__(self, worker, task_id):
        self._worker = worker
        self.task_id = task_id
        self.cancelled = False
        self._open = True

    def progress(self, note=None):
        """Sends a PROGRESS frame with an optional note (str, or bytes of UTF-8 text) for this
        task; a note over ``STOCKADE_MAX_FRAME_SIZE`` is cut to it, at a character boundary.
        Safe from any thread.

        Returns False, sending nothing, once the task has been answered (a thread the handler
        left running may still call it) or the worker was told to shut down.
        """
        limit = self._worker.channel.max_frame_size
        if note is None:
            data = b""
        elif isinstance(note, str):
            data = _utf8_within(note, limit)[0]
        elif isinstance(note, (bytes, bytearray, memoryview)):
            data = bytes(note)
            data.decode("utf-8")  # a note is text; refuse anything else here, not at the pool
            data = _cut_utf8(data, limit)
        else:
            raise TypeError("a progress note is str, bytes or None, not %s" % type(note).__name__)
        return self._worker.send_for_task(self, PROGRESS, data)

    def __repr__(self):
        return "Context(task_id=%d, cancelled=%s)" % (self.task_id, self.cancelled)


class _Worker:
    """The protocol loop: a reader thread, a heartbeat thread, and tasks on the main thread."""

    def __init__(self, handler, proto_in, proto_out):
        self._handler = handler
        self._in = proto_in
        self.channel = _Channel(proto_out, _env_int("STOCKADE_MAX_FRAME_SIZE",
                                                    _DEFAULT_MAX_FRAME_SIZE))
        self._heartbeat_seconds = _env_int("STOCKADE_HEARTBEAT_MS", _DEFAULT_HEARTBEAT_MS) / 1000.0
        self._requests = queue.Queue()
        self._main_thread = threading.get_ident()
        # Guarded by channel.lock: tasks read but not answered yet (by id), and the one whose
        # handler runs now, or None. A task counts as running from the moment it is read: a
        # CANCEL that comes before the main thread took the task up still cancels it.
        self._accepted = {}
        self._current = None
        # Touched only on the main thread (the SIGINT handler runs there too).
        self._interruptible = False
        self._interrupt_pending = False

    # Frames a task sends are checked and written under one hold of the lock, so no PROGRESS
    # can follow the task's answer and no answer can be sent twice.
    def send_for_task(self, context, frame_type, payload, closing=False):
        on_main = threading.get_ident() == self._main_thread
        if on_main:
            # A cancel must not land inside a frame: hold it until the frame is out.
            was_interruptible, self._interruptible = self._interruptible, False
        try:
            with self.channel.lock:
                if not context._open:
                    return False
                if closing:
                    context._open = False
                    self._current = None
                    self._accepted.pop(context.task_id, None)
                return self.channel.send(frame_type, context.task_id, payload)
        finally:
            if on_main:
                self._interruptible = was_interruptible
                if was_interruptible and self._interrupt_pending:
                    self._interrupt_pending = False
                    raise KeyboardInterrupt("task %d was cancelled" % context.task_id)

    def _on_sigint(self, signum, frame):
        # Runs on the main thread between two bytecodes; it takes no lock, as the main thread
        # may be inside one.
        current = self._current
        if current is None or not current.cancelled:
            return  # not from a CANCEL (or a late one for a finished task): ignore it
        if self._interruptible:
            raise KeyboardInterrupt("task %d was cancelled" % current.task_id)
        self._interrupt_pending = True

    def serve(self):
        signal.signal(signal.SIGINT, self._on_sigint)
        hello = struct.pack(">HI", PROTOCOL_VERSION, os.getpid()) + (
            "python " + platform.python_version()).encode("utf-8")
        self.channel.send(HELLO, 0, hello)
        threading.Thread(target=self._heartbeat, name="stockade-heartbeat", daemon=True).start()
        threading.Thread(target=self._read, name="stockade-reader", daemon=True).start()
        while True:
            frame_type, frame_id, payload = self._requests.get()
            if frame_type == TASK:
                self._run_task(payload[0], payload[1])
            elif frame_type == PING:
                self.channel.send(PONG, frame_id)
            elif frame_type == SHUTDOWN:
                try:
                    sys.stderr.flush()
                finally:
                    os._exit(0)

    def _heartbeat(self):
        stop = threading.Event()
        while not stop.wait(self._heartbeat_seconds):
            try:
                self.channel.send(HEARTBEAT, 0)
            except OSError:
                return  # the supervisor is gone; the end of stdin ends this process

    def _read(self):
        try:
            while True:
                request = _read_request(self._in, self.channel.max_frame_size)
                if request is None:
                    self._stdin_ended()
                    return
                frame_type, frame_id, payload = request
                if frame_type == CANCEL:
                    self._cancel(frame_id)
                    continue
                with self.channel.lock:
                    if self.channel.shutdown:
                        # Nothing may follow the answer to the task that was running.
                        _log("ignoring a request that came after SHUTDOWN")
                        continue
                    if frame_type == SHUTDOWN:
                        self.channel.shutdown = True
                    elif frame_type == TASK:
                        context = Context(self, frame_id)
                        self._accepted[frame_id] = context
                        request = (TASK, frame_id, (context, payload))
                self._requests.put(request)
        except _Violation as e:
            _log("protocol violation: %s; ending the worker" % e)
            _end_group(3)
        except BaseException as e:  # a reader that dies silently would leave a deaf worker
            _log("reading requests failed: %r; ending the worker" % (e,))
            _end_group(4)

    def _stdin_ended(self):
        with self.channel.lock:
            told_to_exit = self.channel.shutdown and not self._accepted
        if told_to_exit:
            # The main thread is on its way to exit 0; end the group only if it does not.
            threading.Event().wait(_EXIT_AFTER_SHUTDOWN_SECONDS)
        _end_group(1)

    def _cancel(self, task_id):
        with self.channel.lock:
            context = self._accepted.get(task_id)
            if context is None or context.cancelled:
                return  # not running (answered, or never sent): ignored
            context.cancelled = True
            if context is not self._current:
                return  # not started yet: it sees context.cancelled when it starts
        # A real signal rather than _thread.interrupt_main() alone: it also cuts short a
        # blocking system call (sleep, wait, read) the handler is in.
        signal.pthread_kill(self._main_thread, signal.SIGINT)

    def _run_task(self, context, payload):
        task_id = context.task_id
        # Cleared before the task becomes current: a cancel may arrive from then on.
        self._interrupt_pending = False
        with self.channel.lock:
            self._current = context
        try:
            try:
                self._interruptible = True
                if self._interrupt_pending or context.cancelled:
                    raise KeyboardInterrupt("task %d was cancelled" % task_id)
                value = self._handler(payload, context)
            finally:
                self._interruptible = False
            answer = (RESULT, self._encode_result(value))
        except BaseException as e:  # the handler's failure is the task's answer, never ours
            answer = (ERROR, self._encode_error(context, e))
        if answer[0] == RESULT and len(answer[1]) > self.channel.max_frame_size:
            answer = (ERROR, _result_too_large_payload(len(answer[1]),
                                                       self.channel.max_frame_size))
        self.send_for_task(context, answer[0], answer[1], closing=True)

    @staticmethod
    def _encode_result(value):
        if value is None:
            return b""
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise TypeError("a handler returns bytes, str or None, not %s" % type(value).__name__)

    def _encode_error(self, context, error):
        # The trace starts at the handler: the runtime's own frame (_run_task) says nothing.
        tb = error.__traceback__
        if tb is not None and tb.tb_frame.f_code is _Worker._run_task.__code__:
            tb = tb.tb_next
        trace = "".join(traceback.format_exception(type(error), error, tb))
        if context.cancelled:
            message = "task %d was cancelled" % context.task_id
            if not isinstance(error, KeyboardInterrupt):
                message += " (it ended with %s: %s)" % (type(error).__name__, _text_of(error))
            return _error_payload("Cancelled", message, trace, self.channel.max_frame_size)
        return _error_payload(type(error).__name__, _text_of(error), trace,
                              self.channel.max_frame_size)


# --- entry points ----------------------------------------------------------------------------

def run(handler):
    """Serves tasks with ``handler(payload: bytes, context) -> bytes | str | None``; never returns.

    Call it from the main thread of a process a Stockade pool started.
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("stockade_worker.run() must be called from the main thread")
    proto_in, proto_out = _claim_protocol_fds()
    _Worker(handler, proto_in, proto_out).serve()


def _load_handler(spec):
    module_name, _, function_name = spec.partition(":")
    if not module_name:
        raise SystemExit("usage: stockade_worker.py module[:function]")
    # Like gunicorn's app spec: the working directory comes first, not this file's directory.
    sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    handler = module
    for part in (function_name or "handle").split("."):
        handler = getattr(handler, part)
    if not callable(handler):
        raise SystemExit("%s is not callable" % spec)
    return handler


def _main(argv):
    if len(argv) != 2:
        _log("usage: python3 stockade_worker.py module[:function]")
        return 2
    # A handler module that imports stockade_worker must get this module, not a second copy
    # that would claim the descriptors again.
    sys.modules.setdefault("stockade_worker", sys.modules[__name__])
    _claim_protocol_fds()
    run(_load_handler(argv[1]))
    return 0


if os.environ.get("STOCKADE_PROTOCOL"):
    _claim_protocol_fds()

if __name__ == "__main__":
    sys.exit(_main(sys.argv))
