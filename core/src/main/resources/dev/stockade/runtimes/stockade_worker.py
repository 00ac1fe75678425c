"""The Python runtime of the Stockade worker protocol, version 2 (docs/protocol.md).

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
* An idle worker polls for its next request for up to ``STOCKADE_IDLE_SPIN_US`` microseconds
  (0 or absent: not at all; never where the process may use only one CPU) before it blocks in
  a read: a processor that went idle takes longer to wake than a warm round trip takes.
* A batch (the pool's ``map``) calls the handler once per input, in order, on the main thread
  with one context, in a loop as tight as ``Pool.map``'s: an input that raises is that input's
  failure and the batch goes on. Outcomes are sent together, in frames within the bound, when
  the batch is done and once 10 ms have passed since the last ones went out (checked between
  runs of inputs; a run grows only while its inputs take well under a millisecond in all).
  CANCEL interrupts the running input as it does a task: the outcomes held are sent, and the
  batch is answered ERROR ``Cancelled`` without running the inputs after it.
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

import collections
import importlib
import itertools
import os
import platform
import select
import signal
import struct
import sys
import threading
import time
import traceback

__all__ = ["run", "Context"]

PROTOCOL_VERSION = 2

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
BATCH = 0x0B
BATCH_RESULT = 0x0C

_REQUEST_TYPES = {TASK: "TASK", PING: "PING", CANCEL: "CANCEL", SHUTDOWN: "SHUTDOWN",
                  BATCH: "BATCH"}
_REPLY_TYPES = {HELLO, RESULT, ERROR, HEARTBEAT, PROGRESS, PONG, BATCH_RESULT}
# Frames that may follow SHUTDOWN: the running task's answer.
_ANSWER_TYPES = (RESULT, ERROR, BATCH_RESULT)

_MAGIC = b"SK"
_HEADER = struct.Struct(">2sBBQI")
_BATCH_RESULT_HEAD = struct.Struct(">II")
# A BATCH_RESULT's bytes besides its bodies: index and count, then a kind and a length each.
_OUTCOMES_BYTES = 8
_BYTES_PER_OUTCOME = 5
# Outcomes held longer than this since a batch began or since its last BATCH_RESULT are sent:
# the supervisor restarts the batch's clocks at every BATCH_RESULT.
_FLUSH_SECONDS = 0.010
# A batch runs its inputs in runs that double while a whole run takes less than this, and
# shrink to one input once one does not; the clock is read between runs, never inside one.
_RUN_SECONDS = 0.001
_MAX_RUN = 1 << 16
_DEFAULT_HEARTBEAT_MS = 1000
_LONGEST_IDLE_SPIN_US = 1000
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


def _idle_spin_seconds():
    """How long an idle worker polls for its next request before it blocks, in seconds: 0
    where the process may run on one CPU only, whose poll would hold back the writer."""
    text = os.environ.get("STOCKADE_IDLE_SPIN_US")
    if not text:
        return 0.0
    try:
        micros = int(text)
    except ValueError:
        micros = -1
    if micros < 0 or micros > _LONGEST_IDLE_SPIN_US:
        _log("STOCKADE_IDLE_SPIN_US must be an integer from 0 to %d, but was %r"
             % (_LONGEST_IDLE_SPIN_US, text))
        sys.exit(2)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform
        cpus = os.cpu_count() or 1
    return micros / 1e6 if cpus > 1 else 0.0


# --- frames ----------------------------------------------------------------------------------

class _Violation(Exception):
    """A request that breaks the protocol."""


class _Channel:
    """Writes whole frames to the protocol descriptor; one lock orders every writer.

    After SHUTDOWN only a task's answer (RESULT, ERROR, BATCH_RESULT) goes out: anything else
    would be a violation.
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
            if self.shutdown and frame_type not in _ANSWER_TYPES:
                return False
            written = os.write(self._fd, data)
            if written < len(data):  # a large frame that the pipe took in parts
                view = memoryview(data)[written:]
                while view:
                    view = view[os.write(self._fd, view):]
            return True


class _FrameCutter:
    """Cuts request frames out of the bytes read from the supervisor, however they were split
    across reads. A header is checked as soon as it is whole, before its payload has come.

    Not thread-safe: the one thread that reads the descriptor at a time feeds it.
    """

    def __init__(self, max_frame_size):
        self._max_frame_size = max_frame_size
        self._data = b""  # unparsed bytes start at self._pos of it; self._parts follow
        self._pos = 0
        self._parts = []
        self._size = 0  # unparsed bytes in all
        # The checked header (type, id, length, name) whose payload is awaited, or None while a
        # header is awaited; and how many unparsed bytes that wait needs.
        self._header = None
        self._need = _HEADER.size

    def read_size(self):
        """How many bytes to ask the descriptor for: enough for what is awaited, and a whole
        small frame or more in one read."""
        wanted = self._need - self._size
        return 1 << 16 if wanted <= 1 << 16 else min(wanted, 1 << 20)

    def feed(self, chunk, dispatch):
        """Takes the bytes of one read and hands each frame they complete to ``dispatch``, in
        order, as (type, id, payload); raises _Violation at the first malformed one."""
        # Written with locals throughout: it runs once per request, on the round trip.
        size = self._size + len(chunk)
        if self._size:
            self._parts.append(chunk)
            data, pos = self._data, self._pos
        else:
            data, pos = chunk, 0
        need, header = self._need, self._header
        while size >= need:
            if self._parts:  # only now that the awaited bytes are all here: one join
                data = b"".join([data[pos:]] + self._parts)
                pos, self._parts = 0, []
            if header is None:
                header = _checked_header(data, pos, self._max_frame_size)
                pos += need
                size -= need
                need = header[2]
            else:
                frame_type, frame_id = header[0], header[1]
                payload = data[pos:pos + need] if need else b""
                pos += need
                size -= need
                need, header = _HEADER.size, None
                if frame_type == BATCH:
                    payload = _batch_inputs(payload)
                dispatch(frame_type, frame_id, payload)
        self._need, self._header, self._size = need, header, size
        if size:
            self._data, self._pos = data, pos
        else:
            self._data, self._pos = b"", 0  # a large payload is not kept alive

    def end(self):
        """The descriptor ended: raises _Violation if it ended inside a frame."""
        if self._header is not None:
            raise _Violation("truncated frame: stdin ended after %d of %d bytes of the %s payload"
                             % (self._size, self._need, self._header[3]))
        if self._size:
            raise _Violation("truncated frame: stdin ended after %d of %d bytes of the header"
                             % (self._size, _HEADER.size))


def _checked_header(data, pos, max_frame_size):
    """(type, id, length, name) of the request header at ``data[pos:]``, or _Violation."""
    magic, frame_type, flags, frame_id, length = _HEADER.unpack_from(data, pos)
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
    if frame_type in (TASK, PING, BATCH) and frame_id == 0:
        raise _Violation("a %s frame needs an id of at least 1" % name)
    return frame_type, frame_id, length, name


def _batch_inputs(payload):
    """The inputs of a BATCH payload, as a list of bytes."""
    if len(payload) < 4:
        raise _Violation("a BATCH payload needs at least 4 bytes, but had %d" % len(payload))
    count = struct.unpack_from(">I", payload)[0]
    if count == 0:
        raise _Violation("a BATCH of 0 inputs")
    bodies_at = 4 + 4 * count
    if bodies_at > len(payload):
        raise _Violation("a BATCH of %d inputs needs %d bytes for its lengths, but had %d"
                         % (count, bodies_at, len(payload)))
    lengths = struct.unpack_from(">%dI" % count, payload, 4)
    total = bodies_at + sum(lengths)
    if total != len(payload):
        raise _Violation("a BATCH's lengths add up to %d bytes, but it had %d"
                         % (total, len(payload)))
    # One struct call cuts every input: far cheaper than a slice per input. Its format is made
    # here, without struct's cache, which would keep up to a hundred of these large formats.
    try:
        short = bytes(lengths)  # fails unless every input is shorter than 256 bytes
    except ValueError:
        layout = (b"=" + b"%ds" * count) % lengths
    else:
        # "=", then "<three digits>s" per input, made with C loops alone
        layout = bytearray(1 + 4 * count)
        layout[0] = ord("=")
        layout[1::4] = short.translate(_HUNDREDS)
        layout[2::4] = short.translate(_TENS)
        layout[3::4] = short.translate(_UNITS)
        layout[4::4] = b"s" * count
        layout = bytes(layout)
    return list(struct.Struct(layout).unpack_from(payload, bodies_at))


_HUNDREDS = bytes(ord("0") + i // 100 for i in range(256))
_TENS = bytes(ord("0") + i // 10 % 10 for i in range(256))
_UNITS = bytes(ord("0") + i % 10 for i in range(256))


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


def _result_too_large_payload(size, bound, limit=None):
    """The ERROR payload for a result of ``size`` bytes over the pool's ``bound``, fitted into
    ``limit`` bytes (the bound itself unless given)."""
    return _error_payload("ResultTooLarge", "the result of %d bytes is over the pool's "
                          "maxFrameSize (%d bytes)" % (size, bound), "",
                          bound if limit is None else limit)


class _Held:
    """The outcomes a batch holds, of its inputs from ``first`` on."""

    __slots__ = ("first", "outcomes")

    def __init__(self):
        self.first = 0
        self.outcomes = []


class _Failure:
    """A batch input's failure among its outcomes: the ERROR payload that is its body."""

    __slots__ = ("payload",)

    def __init__(self, payload):
        self.payload = payload


def _outcome_frames(first, outcomes, bound):
    """BATCH_RESULT payloads for ``outcomes`` (handler results and _Failures) of the inputs from
    ``first`` on, each within ``bound``."""
    count = len(outcomes)
    try:
        body = b"".join(outcomes)  # fails unless every outcome is bytes-like
    except TypeError:
        body = None
        try:
            "".join(outcomes)  # fails unless every outcome is text
            outcomes = list(map(str.encode, outcomes))
            body = b"".join(outcomes)
        except (TypeError, UnicodeError):
            pass  # a mix, or a lone surrogate: each is looked at below
    if body is not None and _OUTCOMES_BYTES + _BYTES_PER_OUTCOME * count + len(body) <= bound:
        lengths = list(map(len, outcomes))
        # len() of a buffer is at most its size in bytes: equal sums mean every one is equal.
        if sum(lengths) == len(body):
            return [b"".join((_BATCH_RESULT_HEAD.pack(first, count), bytes(count),
                              struct.pack(">%dI" % count, *lengths), body))]
    return _outcome_frames_one_by_one(first, outcomes, bound)


def _outcome_frames_one_by_one(first, outcomes, bound):
    room = bound - _OUTCOMES_BYTES - _BYTES_PER_OUTCOME  # what one outcome alone may take
    frames = []
    kinds, bodies, size = bytearray(), [], _OUTCOMES_BYTES
    for value in outcomes:
        kind = 0
        if type(value) is bytes:
            body = value
        elif type(value) is _Failure:
            kind, body = 1, value.payload
        else:
            try:
                body = _Worker._encode_result(value)
            except Exception as e:  # noqa: BLE001 - a result the handler got wrong is its failure
                kind, body = 1, _error_payload(type(e).__name__, _text_of(e),
                                               "".join(traceback.format_exception_only(type(e), e)),
                                               room)
        if kind == 0 and len(body) > room:
            kind, body = 1, _result_too_large_payload(len(body), bound, room)
        if kinds and size + _BYTES_PER_OUTCOME + len(body) > bound:
            frames.append(_outcomes_payload(first, kinds, bodies))
            first += len(kinds)
            kinds, bodies, size = bytearray(), [], _OUTCOMES_BYTES
        kinds.append(kind)
        bodies.append(body)
        size += _BYTES_PER_OUTCOME + len(body)
    frames.append(_outcomes_payload(first, kinds, bodies))
    return frames


def _outcomes_payload(first, kinds, bodies):
    count = len(kinds)
    return b"".join((_BATCH_RESULT_HEAD.pack(first, count), bytes(kinds),
                     struct.pack(">%dI" % count, *map(len, bodies)), b"".join(bodies)))


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
        # A batch's inputs, emptied on CANCEL so that no input after the running one starts.
        self._inputs = None

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


# The descriptor's events the reader thread waits for while a task runs: one wake-up per
# arrival, re-enabled after each read.
_WATCHED = select.EPOLLIN | select.EPOLLONESHOT


class _Worker:
    """The protocol loop: tasks on the main thread, a heartbeat thread, and a reader thread for
    the requests that come while a task runs.

    The main thread reads the requests itself while it waits for one: a request that finds the
    worker idle is run by the thread that read it, with no hand-over between threads (that
    hand-over, a wake-up and a pass of the GIL per request, used to cost more than the rest of
    a round trip). While a task runs, the reader thread reads instead, so that a CANCEL reaches
    the handler at once and the frames pipelined behind the task are queued in order. It
    waits in epoll for the descriptor, which is registered there only while a task runs and
    until its answer is out: an idle worker's requests wake the main thread alone. One thread reads at a time: whichever
    reads holds ``_read_lock`` and the bytes read so far are cut into frames by the one
    ``_FrameCutter``, so no frame is lost or reordered when reading passes between them.
    """

    def __init__(self, handler, proto_in, proto_out):
        self._handler = handler
        self._in = proto_in
        self.channel = _Channel(proto_out, _env_int("STOCKADE_MAX_FRAME_SIZE",
                                                    _DEFAULT_MAX_FRAME_SIZE))
        self._heartbeat_seconds = _env_int("STOCKADE_HEARTBEAT_MS", _DEFAULT_HEARTBEAT_MS) / 1000.0
        # Requests read but not taken up yet, in order; the main thread takes them.
        self._pending = collections.deque()
        # Held by the thread reading the descriptor, for one read and the frames it completes.
        # It guards the cutter and _watching, and is taken before channel.lock, never after.
        self._read_lock = threading.Lock()
        self._cutter = _FrameCutter(self.channel.max_frame_size)
        # True while a task runs: the reader thread reads then, the main thread otherwise.
        # The descriptor's events in the epoll set are enabled only while this is True (with
        # EPOLLONESHOT alone they are off: one epoll_ctl switches them either way).
        self._watching = False
        self._poller = select.epoll()
        self._poller.register(proto_in, select.EPOLLONESHOT)
        self._main_thread = threading.get_ident()
        self._idle_spin_seconds = _idle_spin_seconds()
        self._ready = select.poll()
        self._ready.register(proto_in, select.POLLIN)
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
        threading.Thread(target=self._watch, name="stockade-reader", daemon=True).start()
        while True:
            frame_type, frame_id, payload = self._next_request()
            if frame_type == TASK:
                self._set_watching(True)
                self._run_task(payload[0], payload[1])  # it stops watching
            elif frame_type == BATCH:
                self._set_watching(True)
                try:
                    self._run_batch(payload[0], payload[1])
                finally:
                    self._set_watching(False)
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

    def _next_request(self):
        """The oldest request not taken up yet; the main thread reads it itself if none is
        queued. Runs only while no task runs, when the reader thread does not read."""
        pending = self._pending
        if not pending:
            if self._idle_spin_seconds:
                self._spin_until_readable()
            try:
                with self._read_lock:
                    while not pending and self._read_some():
                        pass
            except _Violation as e:
                self._violated(e)
            except BaseException as e:  # noqa: B036 - a worker that cannot read must not linger
                self._read_failed(e)
            if not pending:
                self._stdin_ended()
        return pending.popleft()

    def _spin_until_readable(self):
        """Polls the descriptor, without blocking, until it is readable or the idle spin is
        over: a request that comes meanwhile is read by a thread still on its processor."""
        ready, clock = self._ready.poll, time.perf_counter
        until = clock() + self._idle_spin_seconds
        while not ready(0) and clock() < until:
            pass

    def _set_watching(self, watching):
        """Passes reading to the reader thread while a task runs (True), and takes it back for
        the main thread (False): once this returns, the reader thread is not inside a read and
        will not start one."""
        with self._read_lock:
            self._watching = watching
            self._poller.modify(self._in, _WATCHED if watching else select.EPOLLONESHOT)

    def _watch(self):
        """The reader thread: reads requests while a task runs. Each wake-up reads once, what
        the descriptor holds, so that it never blocks inside a read and the main thread can
        take reading back at once when the task ends."""
        poller, fd = self._poller, self._in
        readable = select.poll()
        readable.register(fd, select.POLLIN)
        try:
            while True:
                poller.poll()
                with self._read_lock:
                    if not self._watching:
                        continue  # the task ended before this thread got the lock
                    # The main thread may have read the bytes that woke this thread, between
                    # two tasks: read only what is there now.
                    if readable.poll(0) and not self._read_some():
                        break
                    poller.modify(fd, _WATCHED)
        except _Violation as e:
            self._violated(e)
        except BaseException as e:  # noqa: B036 - a reader that dies silently leaves a deaf worker
            self._read_failed(e)
        # Outside the lock: the main thread may still answer its task and exit 0 after SHUTDOWN.
        self._stdin_ended()

    def _read_some(self):
        """One read of the descriptor, under _read_lock; dispatches the frames it completes.
        False at the end of stdin."""
        cutter = self._cutter
        chunk = os.read(self._in, cutter.read_size())
        if not chunk:
            cutter.end()
            return False
        cutter.feed(chunk, self._dispatch)
        return True

    def _dispatch(self, frame_type, frame_id, payload):
        """Acts on a request just read: a CANCEL at once, anything else queued in order."""
        if frame_type == CANCEL:
            self._cancel(frame_id)
            return
        with self.channel.lock:
            if self.channel.shutdown:
                # Nothing may follow the answer to the task that was running.
                _log("ignoring a request that came after SHUTDOWN")
                return
            if frame_type == SHUTDOWN:
                self.channel.shutdown = True
            elif frame_type == TASK or frame_type == BATCH:
                context = Context(self, frame_id)
                if frame_type == BATCH:
                    context._inputs = payload
                    payload = len(payload)
                self._accepted[frame_id] = context
                payload = (context, payload)
        self._pending.append((frame_type, frame_id, payload))

    @staticmethod
    def _violated(violation):
        _log("protocol violation: %s; ending the worker" % violation)
        _end_group(3)

    @staticmethod
    def _read_failed(error):
        _log("reading requests failed: %r; ending the worker" % (error,))
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
            inputs = context._inputs
            if inputs:
                # The batch's loop runs over this list: emptied, it starts no other input.
                del inputs[:]
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
        try:
            self.send_for_task(context, answer[0], answer[1], closing=True)
        finally:
            # The main thread takes reading back only once the answer is out: the system call
            # that stops the watching is then off the round trip, overlapping the supervisor's
            # reading of the answer. A request that comes before it returns is read by the
            # reader thread and queued in order, as during the task.
            self._set_watching(False)

    def _run_batch(self, context, count):
        """Runs a batch's ``count`` inputs and answers it with BATCH_RESULT frames, or with
        ERROR ``Cancelled`` once cancelled."""
        self._interrupt_pending = False
        with self.channel.lock:
            self._current = context
        held = _Held()
        try:
            try:
                self._interruptible = True
                if self._interrupt_pending or context.cancelled:
                    raise KeyboardInterrupt("task %d was cancelled" % context.task_id)
                self._run_inputs(context, count, held)
            finally:
                self._interruptible = False
        except BaseException as e:  # cancelled; or the runtime itself failed
            context._inputs = None
            if held.first + len(held.outcomes) < count:
                if held.outcomes:
                    self._send_outcomes(context, held, count)
                self.send_for_task(context, ERROR, self._encode_error(context, e), closing=True)
                return
            # every input ran after all: the outcomes answer the batch
        context._inputs = None
        self._send_outcomes(context, held, count)

    def _run_inputs(self, context, count, held):
        """The loop of a batch: calls the handler on each input in order, holding the outcomes
        and sending them every _FLUSH_SECONDS. A failure is its input's outcome; a cancel
        (KeyboardInterrupt with ``context.cancelled``) leaves the loop with the outcomes of the
        inputs that ran before it held."""
        # map() and list.extend() run the inputs in C, as Pool.map does; a failure stops
        # extend() with the outcomes before it appended, and the map resumes after it.
        calls = map(self._handler, context._inputs, itertools.repeat(context))
        outcomes = held.outcomes
        extend, append, clock = outcomes.extend, outcomes.append, time.monotonic
        failure_room = self.channel.max_frame_size - _OUTCOMES_BYTES - _BYTES_PER_OUTCOME
        run = 1
        flush_at = clock() + _FLUSH_SECONDS
        while held.first + len(outcomes) < count:
            began = clock()
            try:
                extend(itertools.islice(calls, run))
            except BaseException as e:  # the handler's failure is its input's outcome
                if context.cancelled:
                    raise
                append(_Failure(self._encode_error(context, e, failure_room)))
            if context.cancelled:
                # The handler swallowed the interrupt; the emptied inputs ended the run.
                raise KeyboardInterrupt("task %d was cancelled" % context.task_id)
            now = clock()
            run = min(run * 2, _MAX_RUN) if now - began < _RUN_SECONDS else 1
            if now >= flush_at and held.first + len(outcomes) < count:
                self._send_outcomes(context, held, count)
                flush_at = clock() + _FLUSH_SECONDS

    def _send_outcomes(self, context, held, count):
        """Sends the ``held`` outcomes in frames within the bound (the last input's answers the
        batch) and empties them. A cancel that comes meanwhile is raised once they are out and
        counted, so that none is sent twice or lost."""
        was_interruptible, self._interruptible = self._interruptible, False
        try:
            frames = _outcome_frames(held.first, held.outcomes, self.channel.max_frame_size)
            covered = held.first + len(held.outcomes)
            for i, payload in enumerate(frames):
                last = covered == count and i == len(frames) - 1
                self.send_for_task(context, BATCH_RESULT, payload, closing=last)
            held.first = covered
            del held.outcomes[:]
        finally:
            self._interruptible = was_interruptible
            if was_interruptible and self._interrupt_pending:
                self._interrupt_pending = False
                raise KeyboardInterrupt("task %d was cancelled" % context.task_id)

    @staticmethod
    def _encode_result(value):
        if type(value) is bytes:  # the common case first: it is on every round trip
            return value
        if value is None:
            return b""
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise TypeError("a handler returns bytes, str or None, not %s" % type(value).__name__)

    def _encode_error(self, context, error, limit=None):
        """The ERROR payload for ``error``, within ``limit`` (the frame bound unless given)."""
        limit = self.channel.max_frame_size if limit is None else limit
        # The trace starts at the handler: the runtime's own frame says nothing.
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code in _RUNTIME_FRAMES:
            tb = tb.tb_next
        trace = "".join(traceback.format_exception(type(error), error, tb))
        if context.cancelled:
            message = "task %d was cancelled" % context.task_id
            if not isinstance(error, KeyboardInterrupt):
                message += " (it ended with %s: %s)" % (type(error).__name__, _text_of(error))
            return _error_payload("Cancelled", message, trace, limit)
        return _error_payload(type(error).__name__, _text_of(error), trace, limit)


_RUNTIME_FRAMES = frozenset(method.__code__ for method in (
    _Worker._run_task, _Worker._run_batch, _Worker._run_inputs, _Worker._send_outcomes))


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
