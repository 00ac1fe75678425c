package dev.stockade;

/** Why a worker tree ended. Endings Stockade caused are told apart from the tree's own. */
public enum EndReason {
  /** The root process exited by itself (any exit code, or a signal Stockade did not send). */
  EXITED(false),
  /** The task ran past its timeout. */
  TIMEOUT(true),
  /** The tree's memory crossed its hard limit. */
  MEMORY_LIMIT(true),
  /** The tree held more processes than its process limit. */
  PROCESS_LIMIT(true),
  /** The caller cancelled the task's future. */
  CANCELLED(true),
  /** The pool was closed. */
  POOL_CLOSED(true),
  /** A persistent worker sent no heartbeat for longer than its heartbeat timeout. */
  HEARTBEAT_TIMEOUT(true),
  /** A persistent worker's task reported no progress for longer than its progress timeout. */
  PROGRESS_TIMEOUT(true),
  /** A persistent worker broke the protocol (malformed or unexpected output). */
  PROTOCOL_VIOLATION(true),
  /** A persistent worker did not say HELLO within the start timeout. */
  START_TIMEOUT(true),
  /** A persistent worker failed its health check too many times in a row. */
  HEALTH_CHECK_FAILED(true),
  /** A persistent worker was retired: task count, age or soft memory limit reached. */
  RECYCLED(true),
  /** A persistent worker was idle past the idle timeout while more than minIdle were. */
  IDLE_TIMEOUT(true),
  /**
   * The pool could no longer supervise a persistent worker: the thread that drains its stderr
   * failed (an {@code OutOfMemoryError} of this JVM, a logging backend that threw). The worker
   * was ended rather than left to block on its next write while it looked healthy.
   */
  SUPERVISION_FAILED(true);

  private final boolean causedByStockade;

  EndReason(boolean causedByStockade) {
    this.causedByStockade = causedByStockade;
  }

  /**
   * True for the endings where the tree is killed without the termination grace: a tree past
   * its memory or process limit must not grow further while it is asked to stop.
   *
   * @return true for {@link #MEMORY_LIMIT} and {@link #PROCESS_LIMIT}
   */
  public boolean endsWithoutGrace() {
    return this == MEMORY_LIMIT || this == PROCESS_LIMIT;
  }

  /**
   * True when Stockade decided to end the tree; false when the tree ended on its own.
   *
   * @return whether Stockade caused the ending
   */
  public boolean isCausedByStockade() {
    return causedByStockade;
  }
}
