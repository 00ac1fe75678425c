package dev.stockade.internal.workers;

import dev.stockade.internal.engine.CallbackExecutor;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameReader;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.FrameWriter;
import dev.stockade.internal.protocol.ProtocolViolation;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * One worker's two pipes as the protocol sees them: requests written in order, replies read one
 * frame at a time until the stream ends or the worker breaks the protocol, and what that reading
 * learned — when the worker was last heard from, whether every reply was read, and the first
 * violation.
 */
final class WorkerConnection {
  /** Handles one reply; returns why it breaks the protocol, or null. */
  interface ReplyHandler {
    String onReply(Frame frame) throws ProtocolViolation;
  }

  private final FrameWriter requests;
  private final InputStream replies;

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
   * @param onViolation told of the violation that stopped the reading
   */
  void readReplies(
      int maxFrameSize, CallbackExecutor callbacks, ReplyHandler handler, Runnable onViolation) {
    callbacks.holdOnThisThread();
    FrameReader reader =
        new FrameReader(
            new BufferedInputStream(new FlushBeforeRead(replies, callbacks)), maxFrameSize);
    try {
      Frame frame;
      while ((frame = reader.next()) != null) {
        lastSignOfLifeNanos = System.nanoTime();
        String why = handler.onReply(frame);
        if (why != null) {
          violated(why);
          onViolation.run();
          return; // what follows is unread: repliesReadToEnd stays false
        }
      }
      repliesReadToEnd = true;
    } catch (ProtocolViolation e) {
      violated(e.getMessage());
      onViolation.run();
    } catch (IOException e) {
      // the pipe was closed under us after teardown
    } finally {
      callbacks.releaseThisThread();
      repliesEnded.complete(null);
    }
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
