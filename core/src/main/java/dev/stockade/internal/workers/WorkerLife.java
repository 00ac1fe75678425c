package dev.stockade.internal.workers;

import java.util.ArrayDeque;

/**
 * What the pool knows of one worker's life, apart from its processes: its phase, whether and why it
 * is due to retire, the tasks it holds, its ping and health-check round, and its clocks. Guarded by
 * the pool's lock (the phase may also be read without it). Holding no process, it can be judged in
 * a unit test at any instant ({@link HealthJudge}).
 */
final class WorkerLife {
  final long startNanos;

  /** Tasks after which it retires (jittered), or {@code Long.MAX_VALUE}. */
  final long maxTasks;

  /** Age after which it retires (jittered), or {@code Long.MAX_VALUE}. */
  final long maxAgeNanos;

  private volatile WorkerPhase phase = WorkerPhase.STARTING;

  /** The phase it was in when its end was claimed; null until then. */
  private volatile WorkerPhase endedFrom;

  private Retirement retirement;

  /** Tasks sent and not answered yet, oldest first; the oldest is the one running. */
  final ArrayDeque<Attempt> inFlight = new ArrayDeque<>();

  /** Tasks assigned but not written yet, in the order they were assigned. */
  final ArrayDeque<Attempt> unsent = new ArrayDeque<>();

  long tasksDone;
  long idleSinceNanos;

  /** The outstanding PING's nonce, or 0. */
  long pingNonce;

  long pingSentNanos;
  boolean probeRunning;

  /** The round under way failed (its PONG came late, or its probe said no). */
  boolean roundFailed;

  int healthFailures;
  long lastHealthCheckNanos;

  WorkerLife(long startNanos, long maxTasks, long maxAgeNanos) {
    this.startNanos = startNanos;
    this.maxTasks = maxTasks;
    this.maxAgeNanos = maxAgeNanos;
    this.idleSinceNanos = startNanos;
    this.lastHealthCheckNanos = startNanos;
  }

  WorkerPhase phase() {
    return phase;
  }

  /**
   * The one place a worker's phase changes.
   *
   * @throws IllegalStateException if {@link WorkerPhase#canMoveTo} does not allow the move
   */
  void moveTo(WorkerPhase next) {
    if (!phase.canMoveTo(next)) {
      throw new IllegalStateException("a worker cannot move from " + phase + " to " + next);
    }
    if (next == WorkerPhase.ENDING) {
      endedFrom = phase;
    }
    phase = next;
  }

  /** It said HELLO at {@code now}: it serves, idle. */
  void saidHello(long now) {
    moveTo(WorkerPhase.SERVING);
    idleSinceNanos = now;
    lastHealthCheckNanos = now;
  }

  /** It said HELLO, whether or not it is ending now. */
  boolean saidHello() {
    WorkerPhase from = phase == WorkerPhase.ENDING ? endedFrom : phase;
    return from != WorkerPhase.STARTING;
  }

  /** Its end was claimed. */
  void endClaimed() {
    moveTo(WorkerPhase.ENDING);
  }

  boolean isEnding() {
    return phase == WorkerPhase.ENDING;
  }

  /**
   * Marks it due to retire once idle, for the first reason given; a later one is ignored. A worker
   * that is confirming a cancel keeps doing so, and retires after.
   */
  void dueToRetire(Retirement why) {
    if (retirement != null || phase == WorkerPhase.ENDING || phase == WorkerPhase.STARTING) {
      return;
    }
    retirement = why;
    if (phase == WorkerPhase.SERVING) {
      moveTo(WorkerPhase.RETIRING);
    }
  }

  /** Why it is due to retire, or null. */
  Retirement retirement() {
    return retirement;
  }

  /** The task it runs now (the oldest unanswered), or null. */
  Attempt current() {
    return inFlight.peekFirst();
  }

  boolean isIdle() {
    return inFlight.isEmpty();
  }

  /** Ready for one more task: serving, under its window and its task limit. */
  boolean isAvailable(int window) {
    return phase == WorkerPhase.SERVING
        && inFlight.size() < window
        && tasksDone + inFlight.size() < maxTasks;
  }

  /**
   * A cancelled task's answer came, and nothing is queued behind it: the worker takes no task until
   * a PONG shows the handler returned.
   *
   * @return the nonce of a PING to send now, or 0 if an outstanding one will do
   */
  long confirmAfterCancel(long now, long freshNonce) {
    moveTo(WorkerPhase.CONFIRMING);
    pingSentNanos = now;
    if (pingNonce != 0) {
      return 0; // the outstanding ping's PONG, which comes after the handler returns, will do
    }
    pingNonce = freshNonce;
    return pingNonce;
  }

  /**
   * A PONG for {@code nonce} came.
   *
   * @return why it breaks the protocol, or null
   */
  String pong(long nonce) {
    if (pingNonce == 0 || pingNonce != nonce) {
      return "a PONG for ping "
          + nonce
          + ", but "
          + (pingNonce == 0 ? "no ping is outstanding" : "the outstanding ping is " + pingNonce);
    }
    pingNonce = 0;
    return null;
  }

  /** A confirming worker's PONG came: it serves again, or retires if it became due. */
  void confirmed() {
    moveTo(retirement != null ? WorkerPhase.RETIRING : WorkerPhase.SERVING);
  }

  /** A health-check round starts: a PING, and the caller's probe if there is one. */
  void startRound(long nonce, long now, boolean probe) {
    lastHealthCheckNanos = now;
    roundFailed = false;
    pingNonce = nonce;
    pingSentNanos = now;
    probeRunning = probe;
  }

  /** The round's PING or probe is still out. */
  boolean roundOpen() {
    return pingNonce != 0 || probeRunning;
  }

  /** The round's PONG did not come in time. */
  void pingTimedOut() {
    pingNonce = 0;
    roundFailed = true;
  }

  /** The round's probe answered. */
  void probeDone(boolean healthy) {
    probeRunning = false;
    if (!healthy) {
      roundFailed = true;
    }
  }
}
