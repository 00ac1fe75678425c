package dev.stockade.internal.workers;

import dev.stockade.internal.engine.CallbackExecutor;
import dev.stockade.internal.engine.SpinHelp;
import dev.stockade.internal.os.OutputPipe;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameDecoder;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.FrameWriter;
import dev.stockade.internal.protocol.ProtocolViolation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's two pipes as the protocol sees them: requests written in order, replies read one
 * frame at a time until the stream ends or the worker breaks the protocol, and what that reading
 * learned — when the worker was last heard from, whether every reply was read, and the first
 * violation.
 */
final class WorkerConnection {
  private static final Logger log = LoggerFactory.getLogger(WorkerConnection.class);

  /** Handles one reply; returns why it breaks the protocol, or null. */
  interface ReplyHandler {
    String onReply(Frame frame) throws ProtocolViolation;
  }

  private final FrameWriter requests;
  private final InputStream replies;

  /** The replies' pipe where it is one of ours; null for another stream. */
  private final OutputPipe pipe;

  /** The pipe once it is read without blocking, so callers may read it too; else null. */
  private volatile OutputPipe readablePipe;

  /**
   * Held by whichever thread reads replies — the reader thread, or a caller waiting for its answer
   * — from the read(2) until every frame it completed is handled, so frames are handled one at a
   * time and in order.
   */
  private final ReentrantLock readLock = new ReentrantLock();

  // Guarded by readLock:
  private FrameDecoder decoder;
  private byte[] chunk;
  private ReplyHandler handler;
  private Runnable onViolation;

  /** No thread reads any more: the end, a violation, or the reader thread returned. */
  private boolean readingStopped;

  /** Held while writing TASKs, so they reach the worker in the order they were assigned. */
  final Object sendOrder = new Object();

  volatile long lastSignOfLifeNanos;

  /** SHUTDOWN was sent: only the answers of a task may follow. */
  volatile boolean shutdownSent;

  /** Why the worker broke the protocol (the first violation), or null. */
  private volatile String violation;

  /** Completes when the worker breaks the protocol, to cut a graceful exit short. */
  final CompletableFuture<Void> violated = new CompletableFuture<>();

  /** The reader of its replies has stopped, at the end of the stream or at a violation. */
  final CompletableFuture<Void> repliesEnded = new CompletableFuture<>();

  /**
   * The reader read every reply up to the end of the stream. False when it stopped at a violation:
   * replies behind it went unread, so tasks behind the running one may have run.
   */
  private volatile boolean repliesReadToEnd;

  WorkerConnection(OutputStream stdin, InputStream stdout, long startNanos) {
    this.requests = new FrameWriter(stdin);
    this.replies = stdout;
    this.pipe = stdout instanceof OutputPipe p ? p : null;
    this.lastSignOfLifeNanos = startNanos;
  }

  /** Sends a request; false if the pipe is gone (the worker died or closed its stdin). */
  boolean send(Frame frame) {
    try {
      requests.write(frame);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Asks the worker to exit once idle, and closes its stdin. */
  void sendShutdown() {
    shutdownSent = true;
    send(Frame.of(FrameType.SHUTDOWN, 0));
    closeRequests();
  }

  void closeRequests() {
    try {
      requests.close();
    } catch (IOException ignored) {
      // the worker is already gone
    }
  }

  /**
   * Reads replies until the stream ends or one breaks the protocol; runs on an I/O thread for the
   * worker's whole life. Futures settled from one burst of answers are handed to the callback
   * executor together, just before the reader would block for more.
   *
   * <p>Where the pipe can be read without blocking, this thread waits for replies outside the read
   * lock, so that a caller waiting for its task's answer can read it on its own thread meanwhile
   * ({@link #readRepliesNow}) and save the hand-off from this thread; the kernel wakes both, and
   * whichever takes the lock first reads.
   *
   * @param onViolation told of the violation that stopped the reading
   */
  void readReplies(
      int maxFrameSize, CallbackExecutor callbacks, ReplyHandler handler, Runnable onViolation) {
    readLock.lock();
    try {
      this.decoder = new FrameDecoder(maxFrameSize);
      this.chunk = new byte[OutputPipe.READ_CHUNK];
      this.handler = handler;
      this.onViolation = onViolation;
    } finally {
      readLock.unlock();
    }
    callbacks.holdOnThisThread();
    try {
      if (pipe != null && pipe.readWithoutBlocking()) {
        readablePipe = pipe;
        readPipe(callbacks);
      } else {
        readStream(callbacks);
      }
    } catch (IOException e) {
      // the pipe was closed under us after teardown, or abandoned
    } finally {
      readLock.lock();
      try {
        readingStopped = true; // before the pipe may be closed: no caller reads it from now on
      } finally {
        readLock.unlock();
      }
      callbacks.releaseThisThread();
      repliesEnded.complete(null);
    }
  }

  private void readPipe(CallbackExecutor callbacks) throws IOException {
    while (true) {
      callbacks.flushThisThread();
      pipe.awaitReadable();
      readLock.lock();
      try {
        if (readingStopped) {
          return; // a caller's reading met a violation
        }
        // Woken, the pipe holds bytes or its end. A read that fills the chunk may have left more;
        // a shorter one took all there was (or a caller took it first and this one reads 0),
        // and the loop goes back to wait, which returns at once if more came meanwhile. Reading
        // on until the pipe is empty would cost a failed read each time, and delay the hand-off
        // of what was decoded to the callback thread.
        int n;
        do {
          n = pipe.readNow(chunk, 0, chunk.length);
          if (n > 0 && !decodeLocked(n)) {
            return;
          }
        } while (n == chunk.length);
        if (n < 0) {
          endOfRepliesLocked();
          return;
        }
      } finally {
        readLock.unlock();
      }
    }
  }

  private void readStream(CallbackExecutor callbacks) throws IOException {
    while (true) {
      callbacks.flushThisThread();
      int n = replies.read(chunk, 0, chunk.length);
      readLock.lock();
      try {
        if (n < 0) {
          endOfRepliesLocked();
          return;
        }
        if (!decodeLocked(n)) {
          return;
        }
      } finally {
        readLock.unlock();
      }
    }
  }

  /**
   * A caller starts spinning for its task's answer: it may read the replies itself ({@link
   * #readRepliesNow}) and the pipe's input stops waking the reader thread until the last such
   * caller ends its help. Null where the pipe cannot be read that way.
   */
  SpinHelp callerWaits() {
    OutputPipe readable = readablePipe;
    if (readable == null) {
      return null;
    }
    synchronized (waitingCallers) {
      if (waitingCallers.count++ == 0) {
        try {
          readable.pauseWaking();
        } catch (IOException e) {
          // the reader thread keeps being woken: slower, not wrong
        }
      }
    }
    return waitingCallers;
  }

  /** The callers spinning for an answer while the reader thread's waking is paused. */
  private final class WaitingCallers implements SpinHelp {
    private int count;

    @Override
    public void once() {
      readRepliesNow();
    }

    @Override
    public void end() {
      synchronized (this) {
        if (--count == 0) {
          try {
            readablePipe.resumeWaking();
          } catch (IOException e) {
            // Only a closed pipe fails here: its reader has stopped, or it is abandoned, which
            // wakes the reader by itself.
            log.debug("resuming the reader's wake-ups failed", e);
          }
        }
      }
    }
  }

  private final WaitingCallers waitingCallers = new WaitingCallers();

  /**
   * Reads and handles, on the calling thread, the replies the worker's pipe holds now, unless
   * another thread is reading them: for a caller that waits for its task's answer. Never blocks;
   * the end of the stream is left to the reader thread.
   */
  private void readRepliesNow() {
    OutputPipe readable = readablePipe;
    if (readable == null || !readLock.tryLock()) {
      return;
    }
    try {
      if (readingStopped) {
        return;
      }
      int n = readable.readIfReady(chunk, 0, chunk.length);
      if (n > 0) {
        decodeLocked(n);
      }
    } catch (IOException e) {
      // abandoned or closed: the reader thread finds it so too
    } finally {
      readLock.unlock();
    }
  }

  /** Decodes and handles {@code n} bytes read into the chunk; false if a violation stopped it. */
  private boolean decodeLocked(int n) {
    String why;
    try {
      why =
          decoder.decode(
              chunk,
              0,
              n,
              frame -> {
                lastSignOfLifeNanos = System.nanoTime();
                return handler.onReply(frame);
              });
    } catch (ProtocolViolation e) {
      why = e.getMessage();
    }
    if (why == null) {
      return true;
    }
    stopAtViolationLocked(why); // what follows is unread: repliesReadToEnd stays false
    return false;
  }

  private void endOfRepliesLocked() {
    try {
      decoder.endOfStream();
      repliesReadToEnd = true;
    } catch (ProtocolViolation e) {
      stopAtViolationLocked(e.getMessage());
    }
  }

  private void stopAtViolationLocked(String why) {
    readingStopped = true;
    violated(why);
    onViolation.run();
  }

  /** Records the first violation and cuts a graceful exit short. */
  void violated(String why) {
    if (violation == null) {
      violation = why;
    }
    violated.complete(null);
  }

  /** Why the worker broke the protocol, or null. */
  String violation() {
    return violation;
  }

  boolean repliesReadToEnd() {
    return repliesReadToEnd;
  }
}
