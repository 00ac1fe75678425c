'use strict';
/**
 * The Node runtime of the Stockade worker protocol, version 2 (docs/protocol.md). One file,
 * no dependencies, Node 18 or later, Linux.
 *
 * A persistent worker runs task after task for a Stockade WorkerPool. Hand a handler to run():
 *
 *   const stockade = require('./stockade-worker.js');
 *   stockade.run(async (payload, context) => {   // payload: a Buffer
 *     context.progress('halfway');               // a PROGRESS frame for this task
 *     context.signal;                            // an AbortSignal, aborted on CANCEL
 *     context.taskId;                            // the task's id, a BigInt
 *     return payload.toString().toUpperCase();   // a Buffer, a string (UTF-8) or undefined
 *   });
 *
 * or name the handler's module on the command line, so it needs no main block:
 *
 *   node stockade-worker.js ./handler.js [exportName]
 *
 * The module exports the handler itself, or as `handle`, `default`, or exportName.
 *
 * What this runtime guarantees:
 * - The protocol's stdin and stdout are moved to private descriptors before any handler code
 *   runs: descriptor 1, process.stdout and console.log then write to stderr, and descriptor 0
 *   reads /dev/null, so output and child processes can neither corrupt a frame nor steal a
 *   request. Under a supervisor (STOCKADE_PROTOCOL set) this happens when the module is
 *   required; code that runs before that is not covered. Node cannot dup2(), so the private
 *   descriptors are new opens of /proc/self/fd/N; the new descriptor 1 is close-on-exec, which
 *   child_process clears for the children it starts with inherited stdio.
 * - HELLO is the first frame, sent once requests are read. A worker thread sends HEARTBEAT every
 *   STOCKADE_HEARTBEAT_MS and reads the requests, so both go on while a handler blocks the event
 *   loop. Whole frames are written under a lock shared by the two threads.
 * - Tasks run one at a time on the main thread, and PONG comes from it.
 * - A batch (the pool's map) calls the handler once per input, in order, with one context, in a
 *   synchronous loop that awaits only a handler that returns a promise. A handler that throws or
 *   rejects is that input's failure, and the batch goes on. Outcomes are sent together, in frames
 *   within the bound, when the batch is done and once 10 ms have passed since the last ones went
 *   out (checked between runs of inputs; a run grows only while its inputs take well under a
 *   millisecond in all). CANCEL answers the batch ERROR "Cancelled" at once, as for a task, and
 *   no input after the running one starts.
 * - CANCEL of the running task answers it at once with ERROR "Cancelled" (JavaScript cannot
 *   interrupt code that never yields) and aborts context.signal. The handler's own outcome is
 *   then dropped, and the next task (and PONG) waits until the handler has settled: a
 *   handler that ignores the signal keeps the worker busy until the pool ends it. A task counts
 *   as running from the moment its TASK frame is read: one cancelled before its handler
 *   started never runs.
 * - A handler that throws or rejects is answered ERROR with the error's class name, message
 *   and stack.
 * - Every frame fits STOCKADE_MAX_FRAME_SIZE, as docs/protocol.md ("Bounds") prescribes: a
 *   larger result is answered ERROR "ResultTooLarge"; an error's message and stack, and a
 *   progress note, are cut to fit, never inside a UTF-8 character.
 * - context.progress() sends nothing, and returns false, once its task has been answered: a
 *   timer or callback the handler left behind cannot report for a finished task.
 * - SHUTDOWN: the current task is answered, then the process exits 0. Nothing but that answer
 *   is sent after SHUTDOWN (heartbeats and progress notes stop).
 * - End of stdin ends every descendant and the whole process group at once (SIGKILL). A malformed request
 *   writes one line to stderr and ends the group the same way.
 */

const fs = require('fs');
const net = require('net');
const path = require('path');
const { performance } = require('perf_hooks');
const url = require('url');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

const PROTOCOL_VERSION = 2;

const HELLO = 0x01;
const TASK = 0x02;
const RESULT = 0x03;
const ERROR = 0x04;
const HEARTBEAT = 0x05;
const PROGRESS = 0x06;
const PING = 0x07;
const PONG = 0x08;
const CANCEL = 0x09;
const SHUTDOWN = 0x0a;
const BATCH = 0x0b;
const BATCH_RESULT = 0x0c;

const REQUEST_NAMES = {
  [TASK]: 'TASK', [PING]: 'PING', [CANCEL]: 'CANCEL', [SHUTDOWN]: 'SHUTDOWN', [BATCH]: 'BATCH',
};
const REPLY_TYPES = new Set([HELLO, RESULT, ERROR, HEARTBEAT, PROGRESS, PONG, BATCH_RESULT]);

const HEADER_BYTES = 16;
const DEFAULT_HEARTBEAT_MS = 1000;
const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

// A BATCH_RESULT's bytes besides its bodies: index and count, then a kind and a length each.
const OUTCOMES_BYTES = 8;
const BYTES_PER_OUTCOME = 5;
// Outcomes held longer than this since a batch began or since its last BATCH_RESULT are sent:
// the supervisor restarts the batch's clocks at every BATCH_RESULT.
const FLUSH_MS = 10;
// A batch runs its inputs in runs that double while a whole run takes less than this, and
// shrink to one input once one does not; the clock is read between runs, never inside one.
const RUN_MS = 1;
const MAX_RUN = 1 << 16;

// How long a worker that was told to shut down and then lost its stdin waits for its own exit
// before it ends the group: closing the pipe right after SHUTDOWN must not turn a clean exit 0
// into a SIGKILL.
const EXIT_AFTER_SHUTDOWN_MS = 2000;

/** One line on stderr, written straight to the descriptor: it works from either thread. */
function log(text) {
  try {
    fs.writeSync(2, `stockade-worker: ${text}\n`);
  } catch (e) {
    // stderr is gone too; nothing left to tell
  }
}

/** Pids of every live descendant of this process, found through the parent links in /proc. */
function descendants() {
  const children = new Map();
  let names;
  try {
    names = fs.readdirSync('/proc');
  } catch (e) {
    return [];
  }
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) {
      continue;
    }
    try {
      const line = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(line.slice(line.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) {
        children.set(ppid, []);
      }
      children.get(ppid).push(Number(name));
    } catch (e) {
      // gone meanwhile
    }
  }
  const found = [];
  const todo = [process.pid];
  while (todo.length > 0) {
    for (const child of children.get(todo.pop()) || []) {
      found.push(child);
      todo.push(child);
    }
  }
  return found;
}

/**
 * Ends every descendant (some may have left the group: puppeteer starts Chrome in a session of
 * its own) and the whole process group, this process included.
 */
function endGroup() {
  try {
    for (let pass = 0; pass < 2; pass++) { // twice: a child may fork while the first pass runs
      for (const pid of descendants()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (e) {
          // already gone
        }
      }
    }
    process.kill(0, 'SIGKILL');
  } finally {
    process.exit(1);
  }
}

// Set just before the main thread exits on purpose, so the worker thread's end is expected.
let exiting = false;

function exitNow(code) {
  exiting = true;
  process.exit(code);
}

// --- shared state ---------------------------------------------------------------------------

// Int32 slots of the SharedArrayBuffer both threads see, then the running task's id.
const LOCK = 0;
const SHUTDOWN_SEEN = 1;
const TASK_STATE = 2;
const IDLE = 0; // no task
const RUNNING = 1; // a task runs and is not answered yet
const ANSWERED = 2; // answered (cancelled), but its handler has not settled yet
const SHARED_BYTES = 24;

/**
 * Writes whole frames to the protocol descriptor from either thread. A lock in shared memory
 * orders the writers (a frame may be larger than PIPE_BUF, so the pipe alone would not), and
 * every check of task state happens under the same hold as the write it allows.
 */
class Channel {
  constructor(fd, sharedBuffer, maxFrameSize) {
    this.fd = fd;
    this.state = new Int32Array(sharedBuffer, 0, 4);
    this.running = new BigUint64Array(sharedBuffer, 16, 1);
    this.maxFrameSize = maxFrameSize;
    this.pause = new Int32Array(new SharedArrayBuffer(4));
  }

  locked(fn) {
    const s = this.state;
    while (Atomics.compareExchange(s, LOCK, 0, 1) !== 0) {
      Atomics.wait(s, LOCK, 1, 50);
    }
    try {
      return fn();
    } finally {
      Atomics.store(s, LOCK, 0);
      Atomics.notify(s, LOCK, 1);
    }
  }

  /** Writes a frame; the caller holds the lock. */
  write(type, id, payload) {
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = 0x53;
    header[1] = 0x4b;
    header[2] = type;
    header.writeBigUInt64BE(BigInt(id), 4);
    header.writeUInt32BE(payload ? payload.length : 0, 12);
    this.writeAll(header);
    if (payload && payload.length) {
      this.writeAll(payload);
    }
  }

  writeAll(bytes) {
    let done = 0;
    while (done < bytes.length) {
      try {
        done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
      } catch (e) {
        if (e.code !== 'EAGAIN') {
          throw e;
        }
        // The pipe is full: the supervisor reads it soon. Sleep without spinning a core.
        Atomics.wait(this.pause, 0, 0, 1);
      }
    }
  }

  /** Sends a frame that belongs to no task (HELLO, HEARTBEAT, PONG) unless SHUTDOWN came. */
  sendUntask(type, id, payload) {
    return this.locked(() => {
      if (Atomics.load(this.state, SHUTDOWN_SEEN)) {
        return false;
      }
      this.write(type, id, payload);
      return true;
    });
  }

  /**
   * Marks `id` as the running task. The reader does it as it reads the TASK, so a CANCEL that
   * comes before the main thread took the task up still finds it running.
   */
  begin(id) {
    this.locked(() => this.beginLocked(id));
  }

  /**
   * Marks `id` as the running task if no task is: a pool may send the next tasks before the
   * running one is answered, and those wait until the main thread takes them up.
   */
  beginIfIdle(id) {
    this.locked(() => {
      if (Atomics.load(this.state, TASK_STATE) === IDLE) {
        this.beginLocked(id);
      }
    });
  }

  /**
   * On the main thread, as it takes up task `id`: true if it is to run. A task the reader marked
   * running and then saw cancelled (and answered) is not; one waiting behind another is marked
   * running here.
   */
  takeUp(id) {
    return this.locked(() => {
      if (this.running[0] === id) {
        return this.isRunning(id);
      }
      this.beginLocked(id);
      return true;
    });
  }

  beginLocked(id) {
    this.running[0] = id;
    Atomics.store(this.state, TASK_STATE, RUNNING);
  }

  /**
   * Sends a BATCH_RESULT for batch `id` if it is running and unanswered; `last` if it answers the
   * batch (its handler calls are over then).
   */
  outcomes(id, payload, last) {
    return this.answer(id, BATCH_RESULT, payload, last, last);
  }

  /** Answers a task that never started (cancelled while it waited behind another). */
  answerWaiting(id, type, payload) {
    this.locked(() => this.write(type, id, payload));
  }

  /** PROGRESS for `id` if it is running, unanswered, and no SHUTDOWN came. */
  progress(id, payload) {
    return this.locked(() => {
      if (!this.isRunning(id) || Atomics.load(this.state, SHUTDOWN_SEEN)) {
        return false;
      }
      this.write(PROGRESS, id, payload);
      return true;
    });
  }

  /**
   * Answers `id` if it is running and unanswered (with no `type`, only updates the state);
   * `settled` says whether its handler has ended (or will never start).
   */
  answer(id, type, payload, settled, closing = true) {
    return this.locked(() => {
      const answered = Boolean(type) && this.isRunning(id);
      if (answered) {
        this.write(type, id, payload);
      }
      if (closing && this.running[0] === id && Atomics.load(this.state, TASK_STATE) !== IDLE) {
        Atomics.store(this.state, TASK_STATE, settled ? IDLE : ANSWERED);
      }
      return answered;
    });
  }

  isRunning(id) {
    return Atomics.load(this.state, TASK_STATE) === RUNNING && this.running[0] === id;
  }

  taskState() {
    return Atomics.load(this.state, TASK_STATE);
  }
}

/** The longest prefix of the UTF-8 `bytes`, at most `limit` bytes, of whole characters. */
function cutUtf8(bytes, limit) {
  if (bytes.length <= limit) {
    return bytes;
  }
  let end = Math.max(0, limit);
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) { // bytes[end] continues a character
    end--;
  }
  return bytes.subarray(0, end);
}

/**
 * `text` as UTF-8 cut to at most `limit` bytes at a character boundary, and whether all of it
 * fitted. Only the first `limit` code units are encoded, less a high surrogate whose pair they
 * would split: each takes at least one byte, so nothing after them could fit.
 */
function utf8Within(text, limit) {
  let head = text;
  if (text.length > limit) {
    let end = Math.max(0, limit);
    const last = end > 0 ? text.charCodeAt(end - 1) : 0;
    if (last >= 0xd800 && last <= 0xdbff) {
      end--;
    }
    head = text.slice(0, end);
  }
  const bytes = cutUtf8(Buffer.from(head, 'utf8'), limit);
  return { bytes, whole: head.length === text.length && bytes.length === Buffer.byteLength(head) };
}

function lengthField(bytes) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return length;
}

/**
 * An ERROR payload within the supervisor's limit, as docs/protocol.md prescribes: the type, the
 * message and the trace each get the room the fields before them left; once one is cut, those
 * after it stay empty.
 */
function errorPayload(type, message, trace, limit) {
  const none = { bytes: Buffer.alloc(0), whole: false };
  const room = Math.max(0, limit - 8);
  const t = utf8Within(type, room);
  const m = t.whole ? utf8Within(message, room - t.bytes.length) : none;
  const s = m.whole ? utf8Within(trace, room - t.bytes.length - m.bytes.length) : none;
  return Buffer.concat([lengthField(t.bytes), t.bytes, lengthField(m.bytes), m.bytes, s.bytes]);
}

/** The ERROR for a result over the pool's `bound`, within `limit` (the bound unless given). */
function resultTooLargePayload(size, bound, limit = bound) {
  return errorPayload('ResultTooLarge', `the result of ${size} bytes is over the pool's `
    + `maxFrameSize (${bound} bytes)`, '', limit);
}

function cancelledPayload(id, limit, reason) {
  return errorPayload('Cancelled', `task ${id} was cancelled`, reason || '', limit);
}

// --- descriptors ------------------------------------------------------------------------------

let protocolFds = null;

/**
 * Reopens /proc/self/fd/N as a new descriptor of the same pipe: Node's stand-in for dup().
 * O_NONBLOCK makes the open fail at once, instead of hanging, when the other end is gone.
 */
function reopen(fd, flags) {
  const C = fs.constants;
  let extra = 0;
  try {
    if (fs.fstatSync(fd).isFile()) {
      extra = flags === C.O_RDONLY ? 0 : C.O_APPEND;
    } else {
      extra = C.O_NONBLOCK;
    }
  } catch (e) {
    throw new Error(`descriptor ${fd} is not open: ${e.message}`);
  }
  return fs.openSync(`/proc/self/fd/${fd}`, flags | extra);
}

/** Opens `target` so that it lands on `fd`, which must be the lowest free descriptor. */
function openOnto(fd, target, flags) {
  fs.closeSync(fd);
  const got = fs.openSync(target, flags);
  if (got !== fd) {
    throw new Error(`reopening descriptor ${fd} gave descriptor ${got}`);
  }
}

/** Moves the protocol's stdin and stdout aside once per process; returns { input, output }. */
function claimProtocolFds() {
  if (protocolFds) {
    return protocolFds;
  }
  const C = fs.constants;
  const input = reopen(0, C.O_RDONLY);
  const output = reopen(1, C.O_WRONLY);
  // stderr must be openable before descriptor 1 is given up (a socket is not).
  let stderrTarget = '/proc/self/fd/2';
  try {
    fs.closeSync(fs.openSync(stderrTarget, C.O_WRONLY | C.O_APPEND));
  } catch (e) {
    log(`cannot reopen stderr (${e.code}); output to descriptor 1 is discarded`);
    stderrTarget = '/dev/null';
  }
  openOnto(1, stderrTarget, C.O_WRONLY | C.O_APPEND);
  openOnto(0, '/dev/null', C.O_RDONLY);
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: true,
    get: () => process.stderr,
  });
  // The variable says "this process speaks the protocol"; a child that inherited it does not.
  delete process.env.STOCKADE_PROTOCOL;
  protocolFds = { input, output };
  return protocolFds;
}

function envInt(name, fallback) {
  const text = process.env[name];
  if (!text) {
    return fallback;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    log(`${name} must be a positive integer, but was ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

// --- the request reader (worker thread) --------------------------------------------------------

class Violation extends Error {}

/** Checks a BATCH payload: a count of at least 1, and lengths that add up to the payload. */
function checkBatch(payload) {
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  if (b.length < 4) {
    throw new Violation(`a BATCH payload needs at least 4 bytes, but had ${b.length}`);
  }
  const count = b.readUInt32BE(0);
  if (count === 0) {
    throw new Violation('a BATCH of 0 inputs');
  }
  const bodiesAt = 4 + 4 * count;
  if (bodiesAt > b.length) {
    throw new Violation(`a BATCH of ${count} inputs needs ${bodiesAt} bytes for its lengths, `
      + `but had ${b.length}`);
  }
  let total = bodiesAt;
  for (let i = 0; i < count; i++) {
    total += b.readUInt32BE(4 + 4 * i);
  }
  if (total !== b.length) {
    throw new Violation(`a BATCH's lengths add up to ${total} bytes, but it had ${b.length}`);
  }
}

/** The inputs of a checked BATCH payload: views of it, not copies. */
function batchInputs(payload) {
  const count = payload.readUInt32BE(0);
  const inputs = new Array(count);
  let at = 4 + 4 * count;
  for (let i = 0; i < count; i++) {
    const length = payload.readUInt32BE(4 + 4 * i);
    inputs[i] = payload.subarray(at, at + length);
    at += length;
  }
  return inputs;
}

/** Splits the request stream into frames, checking each header before it trusts it. */
class RequestParser {
  constructor(maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
    this.chunks = [];
    this.buffered = 0;
    this.header = null;
  }

  push(chunk) {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames = [];
    for (;;) {
      if (!this.header) {
        if (this.buffered < HEADER_BYTES) {
          break;
        }
        this.header = this.check(this.take(HEADER_BYTES));
      }
      if (this.buffered < this.header.length) {
        break;
      }
      frames.push({ ...this.header, payload: this.take(this.header.length) });
      this.header = null;
    }
    return frames;
  }

  /** Bytes of a frame begun but not finished, for the message about a truncated frame. */
  pending() {
    return this.header ? HEADER_BYTES + this.buffered : this.buffered;
  }

  check(h) {
    const b = Buffer.from(h.buffer, h.byteOffset, h.length);
    if (b[0] !== 0x53 || b[1] !== 0x4b) {
      const magic = b.subarray(0, 2).toString('hex').toUpperCase();
      throw new Violation(`bad magic 0x${magic} in a request, expected 0x534B ('SK')`);
    }
    const type = b[2];
    const name = REQUEST_NAMES[type];
    if (!name) {
      const hex = type.toString(16).toUpperCase().padStart(2, '0');
      throw new Violation(REPLY_TYPES.has(type)
        ? `a frame of type 0x${hex}, which only a worker sends, came from the supervisor`
        : `unknown frame type 0x${hex}`);
    }
    if (b[3] !== 0) {
      throw new Violation(`flags of a ${name} frame must be 0, but were 0x${b[3].toString(16)}`);
    }
    const id = b.readBigUInt64BE(4);
    const length = b.readUInt32BE(12);
    if (length > this.maxFrameSize) {
      throw new Violation(`a ${name} frame of ${length} bytes is over STOCKADE_MAX_FRAME_SIZE `
        + `(${this.maxFrameSize} bytes)`);
    }
    if ((type === TASK || type === PING || type === BATCH) && id === 0n) {
      throw new Violation(`a ${name} frame needs an id of at least 1`);
    }
    return { type, name, id, length };
  }

  /** The next n bytes, in a fresh array of their own (so it can be transferred). */
  take(n) {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const first = this.chunks[0];
      const count = Math.min(first.length, n - filled);
      out.set(first.subarray(0, count), filled);
      filled += count;
      if (count === first.length) {
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(count);
      }
    }
    this.buffered -= n;
    return out;
  }
}

function openInput(fd) {
  const stat = fs.fstatSync(fd);
  return stat.isFIFO() || stat.isSocket()
    ? new net.Socket({ fd, readable: true, writable: false })
    : fs.createReadStream(null, { fd });
}

/** The worker thread: heartbeats, and every request read and checked before main sees it. */
function workerMain(data) {
  const channel = new Channel(data.output, data.shared, data.maxFrameSize);
  const port = parentPort;
  const ignoreGone = (fn) => {
    try {
      fn();
    } catch (e) {
      // the supervisor is gone; the end of stdin ends this process
    }
  };
  const violation = (text) => {
    log(`protocol violation: ${text}; ending the worker`);
    endGroup();
  };
  const parser = new RequestParser(data.maxFrameSize);
  const input = openInput(data.input);
  input.on('data', (chunk) => {
    let frames;
    try {
      frames = parser.push(chunk);
      for (const frame of frames) {
        if (frame.type === BATCH) {
          checkBatch(frame.payload);
        }
      }
    } catch (e) {
      if (e instanceof Violation) {
        violation(e.message);
      }
      throw e;
    }
    for (const frame of frames) {
      if (frame.type === CANCEL) {
        // Answered here, not on the main thread, which a handler may be blocking.
        ignoreGone(() => channel.answer(frame.id, ERROR,
          cancelledPayload(frame.id, data.maxFrameSize), false));
        port.postMessage({ type: CANCEL, id: frame.id });
      } else if (channel.locked(() => Atomics.load(channel.state, SHUTDOWN_SEEN) === 1)) {
        // Nothing may follow the answer to the task that was running.
        log(`ignoring a ${frame.name} that came after SHUTDOWN`);
      } else if (frame.type === SHUTDOWN) {
        channel.locked(() => Atomics.store(channel.state, SHUTDOWN_SEEN, 1));
        port.postMessage({ type: SHUTDOWN, id: frame.id });
      } else {
        if (frame.type === TASK || frame.type === BATCH) {
          channel.beginIfIdle(frame.id);
        }
        port.postMessage({ type: frame.type, id: frame.id, payload: frame.payload },
          [frame.payload.buffer]);
      }
    }
  });
  // Requests are read from here on: the pool may now be told this worker is ready.
  const hello = Buffer.alloc(6);
  hello.writeUInt16BE(PROTOCOL_VERSION, 0);
  hello.writeUInt32BE(data.pid, 2);
  ignoreGone(() => channel.sendUntask(HELLO, 0n,
    Buffer.concat([hello, Buffer.from(`node ${process.versions.node}`, 'utf8')])));
  setInterval(() => ignoreGone(() => channel.sendUntask(HEARTBEAT, 0n)), data.heartbeatMs);
  input.on('end', () => {
    if (parser.pending() > 0) {
      violation(`truncated frame: stdin ended ${parser.pending()} bytes into a frame`);
    }
    const toldToExit = channel.locked(() => Atomics.load(channel.state, SHUTDOWN_SEEN) === 1
      && channel.taskState() !== RUNNING);
    if (toldToExit) {
      // The main thread is on its way to exit 0; end the group only if it does not.
      setTimeout(endGroup, EXIT_AFTER_SHUTDOWN_MS);
    } else {
      endGroup();
    }
  });
  input.on('error', (e) => {
    log(`reading requests failed: ${e.message}; ending the worker`);
    endGroup();
  });
}

// --- tasks (main thread) -------------------------------------------------------------------------

function toPayload(value) {
  if (value === undefined || value === null) {
    return Buffer.alloc(0);
  }
  if (typeof value === 'string') {
    return Buffer.from(value, 'utf8');
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.length);
  }
  if (value instanceof ArrayBuffer) {
    return Buffer.from(value);
  }
  const kind = value.constructor ? value.constructor.name : typeof value;
  throw new TypeError(`a handler returns a Buffer, a string or undefined, not ${kind}`);
}

function describe(error) {
  if (error instanceof Error || (error && typeof error === 'object' && 'message' in error)) {
    // A name set on purpose (AbortError, a custom class's this.name) says more than the
    // constructor; a subclass that keeps the inherited "Error" is named by its class.
    const ctor = error.constructor && error.constructor.name;
    const named = typeof error.name === 'string' && error.name && error.name !== 'Error';
    const type = named ? error.name : (ctor && ctor !== 'Object' ? ctor : 'Error');
    return { type, message: String(error.message), trace: String(error.stack || '') };
  }
  return { type: 'Error', message: String(error), trace: '' };
}

/** What a handler knows about its task, and how it reports progress. */
class Context {
  #channel;

  constructor(channel, taskId, signal) {
    this.taskId = taskId;
    this.signal = signal;
    this.#channel = channel;
  }

  /**
   * Sends a PROGRESS frame with an optional note (a string, or a Buffer of UTF-8 text) for this
   * task; a note over STOCKADE_MAX_FRAME_SIZE is cut to it, at a character boundary. Returns
   * false, sending nothing, once the task has been answered (a timer or callback the handler
   * left behind may still call it) or the worker was told to shut down.
   */
  progress(note) {
    const limit = this.#channel.maxFrameSize;
    let payload;
    if (note === undefined || note === null) {
      payload = Buffer.alloc(0);
    } else if (typeof note === 'string') {
      payload = utf8Within(note, limit).bytes;
    } else if (note instanceof Uint8Array || note instanceof ArrayBuffer) {
      const bytes = toPayload(note);
      // A note is text: refuse anything else here, not at the pool (a protocol violation).
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      payload = cutUtf8(bytes, limit);
    } else {
      const kind = note.constructor ? note.constructor.name : typeof note;
      throw new TypeError(`a progress note is a string, a Buffer or undefined, not ${kind}`);
    }
    return this.#channel.progress(this.taskId, payload);
  }
}

/**
 * The outcomes a batch holds, copied into one growing buffer as they come (a handler may reuse
 * the buffer it returned), and sent in BATCH_RESULT frames within the bound.
 */
class HeldOutcomes {
  constructor(channel, id) {
    this.channel = channel;
    this.id = id;
    this.bound = channel.maxFrameSize;
    this.room = this.bound - OUTCOMES_BYTES - BYTES_PER_OUTCOME; // one outcome alone
    this.first = 0; // the index of the first outcome held
    this.kinds = [];
    this.lengths = [];
    this.bodies = Buffer.allocUnsafe(4096);
    this.size = 0; // bytes of the bodies held
  }

  covered() {
    return this.first + this.kinds.length;
  }

  output(bytes) {
    if (bytes.length > this.room) {
      this.hold(1, resultTooLargePayload(bytes.length, this.bound, this.room));
    } else {
      this.hold(0, bytes);
    }
  }

  failure(error) {
    const { type, message, trace } = describe(error);
    this.hold(1, errorPayload(type, message, trace, this.room));
  }

  hold(kind, body) {
    const held = this.kinds.length;
    if (held > 0
      && OUTCOMES_BYTES + BYTES_PER_OUTCOME * (held + 1) + this.size + body.length > this.bound) {
      this.send(false);
    }
    if (this.size + body.length > this.bodies.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bodies.length * 2, this.size + body.length));
      this.bodies.copy(grown, 0, 0, this.size);
      this.bodies = grown;
    }
    this.bodies.set(body, this.size);
    this.size += body.length;
    this.kinds.push(kind);
    this.lengths.push(body.length);
  }

  /** Sends what is held in one frame; `last` if it covers the batch's last input. */
  send(last) {
    const count = this.kinds.length;
    const payload = Buffer.allocUnsafe(OUTCOMES_BYTES + BYTES_PER_OUTCOME * count + this.size);
    payload.writeUInt32BE(this.first, 0);
    payload.writeUInt32BE(count, 4);
    let at = OUTCOMES_BYTES;
    for (let i = 0; i < count; i++) {
      payload[at + i] = this.kinds[i];
    }
    at += count;
    for (let i = 0; i < count; i++) {
      payload.writeUInt32BE(this.lengths[i], at + 4 * i);
    }
    this.bodies.copy(payload, at + 4 * count, 0, this.size);
    this.channel.outcomes(this.id, payload, last);
    this.first += count;
    this.kinds = [];
    this.lengths = [];
    this.size = 0;
  }
}

/** Runs requests on the main thread in the order they came, one task at a time. */
class Dispatcher {
  constructor(handler, channel) {
    this.handler = handler;
    this.channel = channel;
    this.queue = [];
    this.current = null; // { id, controller } while a handler has not settled
    this.shuttingDown = false;
  }

  onRequest(request) {
    switch (request.type) {
      case CANCEL:
        this.cancel(request.id);
        break;
      case SHUTDOWN:
        this.shuttingDown = true;
        break;
      default:
        this.queue.push(request);
        this.drain();
    }
    this.exitIfDone();
  }

  drain() {
    while (!this.current && this.queue.length) {
      const request = this.queue.shift();
      if (request.type === PING) {
        this.channel.sendUntask(PONG, request.id);
      } else if (request.cancelled) {
        this.channel.answerWaiting(request.id, ERROR,
          cancelledPayload(request.id, this.channel.maxFrameSize));
      } else if (!this.channel.takeUp(request.id)) {
        // Cancelled (and answered) before it could start: it never runs.
        this.channel.answer(request.id, null, null, true);
      } else {
        const payload = Buffer.from(request.payload.buffer, request.payload.byteOffset,
          request.payload.length);
        if (request.type === BATCH) {
          this.startBatch(request.id, payload);
        } else {
          this.start(request.id, payload);
        }
      }
    }
  }

  start(id, payload) {
    const controller = new AbortController();
    const context = new Context(this.channel, id, controller.signal);
    this.current = { id, controller };
    this.settle(id, controller, context, payload);
  }

  async settle(id, controller, context, payload) {
    let type;
    let bytes;
    try {
      // The handler runs synchronously up to its first await, inside this call.
      bytes = toPayload(await this.handler(payload, context));
      type = RESULT;
      if (bytes.length > this.channel.maxFrameSize) {
        type = ERROR;
        bytes = resultTooLargePayload(bytes.length, this.channel.maxFrameSize);
      }
    } catch (error) {
      type = ERROR;
      const { type: name, message, trace } = describe(error);
      bytes = controller.signal.aborted
        ? cancelledPayload(id, this.channel.maxFrameSize, trace)
        : errorPayload(name, message, trace, this.channel.maxFrameSize);
    }
    this.channel.answer(id, type, bytes, true);
    this.current = null;
    this.exitIfDone();
    this.drain();
  }

  startBatch(id, payload) {
    const controller = new AbortController();
    const context = new Context(this.channel, id, controller.signal);
    this.current = { id, controller };
    this.settleBatch(id, controller, context, batchInputs(payload));
  }

  /**
   * Runs a batch's inputs in order and answers it. Synchronous as long as the handler is: it
   * awaits only a handler's promise. The reader answers a CANCEL at once; the loop sees it in
   * the shared state (it may never yield to the event loop) and starts no further input.
   */
  async settleBatch(id, controller, context, inputs) {
    const channel = this.channel;
    const held = new HeldOutcomes(channel, id);
    const count = inputs.length;
    let run = 1;
    let runEnd = 1;
    let runStart = performance.now();
    let flushAt = runStart + FLUSH_MS;
    for (let i = 0; i < count && channel.isRunning(id); i++) {
      let value;
      try {
        value = this.handler(inputs[i], context);
        if (value !== null && typeof value === 'object' && typeof value.then === 'function') {
          value = await value;
        }
        held.output(value instanceof Uint8Array ? value : toPayload(value));
      } catch (error) {
        if (controller.signal.aborted || !channel.isRunning(id)) {
          break; // cancelled: answered already
        }
        held.failure(error);
      }
      inputs[i] = null; // its memory is free while the batch goes on
      if (i + 1 === runEnd) {
        const now = performance.now();
        run = now - runStart < RUN_MS ? Math.min(run * 2, MAX_RUN) : 1;
        if (now >= flushAt && i + 1 < count) {
          held.send(false);
          flushAt = performance.now() + FLUSH_MS;
        }
        runStart = performance.now();
        runEnd = i + 1 + run;
      }
    }
    if (held.covered() === count) {
      held.send(true);
    } else {
      channel.answer(id, null, null, true); // cancelled and answered: its handler calls are over
    }
    this.current = null;
    this.exitIfDone();
    this.drain();
  }

  cancel(id) {
    if (this.current && this.current.id === id) {
      // Answer first: an abort listener that throws must not cost the task its answer.
      this.channel.answer(id, ERROR, cancelledPayload(id, this.channel.maxFrameSize), false);
      this.current.controller.abort();
      return;
    }
    const queued = this.queue.findIndex((r) => (r.type === TASK || r.type === BATCH) && r.id === id);
    if (queued >= 0) {
      // Still waiting behind a cancelled handler that has not settled: it never starts. The
      // reader has answered it already, unless it was not running by then.
      if (this.channel.locked(() => this.channel.running[0] === id)) {
        this.queue.splice(queued, 1);
        this.channel.answer(id, ERROR, cancelledPayload(id, this.channel.maxFrameSize), true);
      } else {
        // It waits behind another task: answered as cancelled when its turn comes, since
        // answers go out in the order the tasks came.
        this.queue[queued].cancelled = true;
      }
    }
  }

  exitIfDone() {
    if (this.shuttingDown && this.channel.taskState() !== RUNNING) {
      exitNow(0);
    }
  }
}

// --- entry points ----------------------------------------------------------------------------------

/**
 * Serves tasks with `handler(payload: Buffer, context) => Buffer | string | undefined` (or a
 * promise of one). Call it once, from the main thread of a process a Stockade pool started.
 */
function run(handler) {
  if (!isMainThread) {
    throw new Error('stockade-worker run() must be called from the main thread');
  }
  if (typeof handler !== 'function') {
    throw new TypeError('run() needs a handler function');
  }
  const { input, output } = claimProtocolFds();
  const maxFrameSize = envInt('STOCKADE_MAX_FRAME_SIZE', DEFAULT_MAX_FRAME_SIZE);
  const heartbeatMs = envInt('STOCKADE_HEARTBEAT_MS', DEFAULT_HEARTBEAT_MS);
  const shared = new SharedArrayBuffer(SHARED_BYTES);
  const channel = new Channel(output, shared, maxFrameSize);

  const dispatcher = new Dispatcher(handler, channel);
  // HELLO is sent by the worker thread once it reads requests: until then a CANCEL could not
  // be answered, and starting a thread can take long on a loaded machine.
  const worker = new Worker(__filename, {
    workerData: {
      stockadeRuntime: true, input, output, shared, heartbeatMs, maxFrameSize, pid: process.pid,
    },
  });
  worker.on('message', (request) => dispatcher.onRequest(request));
  const lost = (why) => {
    if (exiting) {
      return;
    }
    log(`the heartbeat and reader thread ${why}; ending the worker`);
    endGroup();
  };
  worker.on('error', (e) => lost(`failed: ${e && e.stack ? e.stack : e}`));
  worker.on('exit', (code) => lost(`exited with code ${code}`));
}

async function loadHandler(spec, exportName) {
  const file = spec.startsWith('.') || path.isAbsolute(spec)
    ? path.resolve(process.cwd(), spec)
    : require.resolve(spec, { paths: [process.cwd()] });
  let exported;
  try {
    exported = require(file);
  } catch (e) {
    if (e.code !== 'ERR_REQUIRE_ESM') {
      throw e;
    }
    exported = await import(url.pathToFileURL(file).href);
  }
  const candidates = exportName ? [exported[exportName]]
    : [exported, exported.handle, exported.default];
  const handler = candidates.find((c) => typeof c === 'function');
  if (!handler) {
    throw new TypeError(`${spec} exports no handler function`
      + (exportName ? ` named ${exportName}` : ' (itself, handle or default)'));
  }
  return handler;
}

async function main(args) {
  if (args.length < 1 || args.length > 2) {
    log('usage: node stockade-worker.js <handler module> [export name]');
    process.exit(2);
  }
  claimProtocolFds();
  run(await loadHandler(args[0], args[1]));
}

if (!isMainThread) {
  if (workerData && workerData.stockadeRuntime) {
    workerMain(workerData);
  }
} else {
  if (process.env.STOCKADE_PROTOCOL) {
    claimProtocolFds();
  }
  module.exports = { run, PROTOCOL_VERSION };
  if (require.main === module) {
    main(process.argv.slice(2)).catch((e) => {
      log(`cannot start: ${e && e.stack ? e.stack : e}`);
      process.exit(1);
    });
  }
}
