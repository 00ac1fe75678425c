package dev.stockade.internal.workers;

import dev.stockade.internal.engine.SupervisedTree;
import dev.stockade.internal.os.TreeMeter;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameWriter;
import java.io.IOException;

/**
 * A persistent worker: its supervised tree, the pipe it takes requests on, and what the pool
 * knows of it. Fields without {@code volatile} are guarded by the pool's lock.
 */
final class PooledWorker {
  final SupervisedTree tree;
  final FrameWriter requests;
  final StderrLines stderr;
  final long startNanos = System.nanoTime();
  /** Tasks after which it retires (jittered), or {@code Long.MAX_VALUE}. */
  final long maxTasks;
  /** Age after which it retires (jittered), or {@code Long.MAX_VALUE}. */
  final long maxAgeNanos;

  volatile long lastSignOfLifeNanos = System.nanoTime();
  /** Its recent CPU use, to tell a silent worker that is busy from one that is hung. */
  final SilenceJudge.Track silenceTrack = new SilenceJudge.Track();
  volatile boolean helloSeen;
  volatile boolean shutdownSent;
  /** Why the worker broke the protocol (the first violation), or null. */
  volatile String violation;
  /** Completes when the worker breaks the protocol, to cut a graceful exit short. */
  final java.util.concurrent.CompletableFuture<Void> violated =
      new java.util.concurrent.CompletableFuture<>();
  /** The reading that crossed the hard limit, when that is why it is ended. */
  volatile TreeMeter.Reading breach;
  /** The reader of its replies has stopped, at the end of the stream or at a violation. */
  final java.util.concurrent.CompletableFuture<Void> repliesEnded =
      new java.util.concurrent.CompletableFuture<>();
  /**
   * The reader read every reply up to the end of the stream. False when it stopped at a
   * violation: replies behind it went unread, so tasks behind the running one may have run.
   */
  volatile boolean repliesReadToEnd;
  /** When its end was claimed, and the task it was running then (null if idle). */
  volatile long endClaimedNanos;
  volatile Attempt runningWhenEndClaimed;

  /** Tasks sent and not answered yet, oldest first; the oldest is the one running. */
  final java.util.ArrayDeque<Attempt> inFlight = new java.util.ArrayDeque<>();
  /** Tasks assigned but not written yet, in the order they were assigned. */
  final java.util.ArrayDeque<Attempt> unsent = new java.util.ArrayDeque<>();
  /** Held while writing TASKs, so they reach the worker in the order they were assigned. */
  final Object sendOrder = new Object();
  long tasksDone;
  long idleSinceNanos = System.nanoTime();
  /** Set when the worker is due to retire once idle; the reason it will end with. */
  dev.stockade.EndReason retireReason;
  String retireBecause;
  boolean healthRoundFailed;
  /**
   * Set after a cancelled task was answered: its handler may still be running (a runtime that
   * cannot interrupt it answers first), so the worker gets a task again only after a PONG.
   */
  boolean reuseAfterPong;
  /** How long it had been silent when its end was claimed. */
  volatile long silenceNanos;
  long pingNonce;
  long pingSentNanos;
  boolean probeRunning;
  long lastHealthCheckNanos = System.nanoTime();
  int healthFailures;

  PooledWorker(SupervisedTree tree, FrameWriter requests, StderrLines stderr, long maxTasks,
      long maxAgeNanos) {
    this.tree = tree;
    this.requests = requests;
    this.stderr = stderr;
    this.maxTasks = maxTasks;
    this.maxAgeNanos = maxAgeNanos;
  }

  String id() {
    return tree.workerId();
  }

  /** The task it runs now (the oldest unanswered), or null. */
  Attempt current() {
    return inFlight.peekFirst();
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

  void closeRequests() {
    try {
      requests.close();
    } catch (IOException ignored) {
      // the worker is already gone
    }
  }
}
