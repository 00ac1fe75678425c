package dev.stockade;

/**
 * Why a worker tree ended ({@link WorkerEvent#endReason()}). {@link #EXITED} is the tree's own
 * ending; every other reason is one Stockade caused.
 */
public enum EndReason {
  /** The root process exited by itself (any exit code, or a signal Stockade did not send). */
  EXITED,
  /** The task ran past its timeout. */
  TIMEOUT,
  /** The tree's memory crossed its hard limit. */
  MEMORY_LIMIT,
  /** The tree held more processes than its process limit. */
  PROCESS_LIMIT,
  /** The caller cancelled the task's future. */
  CANCELLED,
  /** The pool was closed. */
  POOL_CLOSED,
  /** A persistent worker sent no heartbeat for longer than its heartbeat timeout. */
  HEARTBEAT_TIMEOUT,
  /** A persistent worker's task reported no progress for longer than its progress timeout. */
  PROGRESS_TIMEOUT,
  /** A persistent worker broke the protocol (malformed or unexpected output). */
  PROTOCOL_VIOLATION,
  /** A persistent worker did not say HELLO within the start timeout. */
  START_TIMEOUT,
  /** A persistent worker failed its health check too many times in a row. */
  HEALTH_CHECK_FAILED,
  /** A persistent worker was retired: task count, age or soft memory limit reached. */
  RECYCLED,
  /** A persistent worker was idle past the idle timeout while more than minIdle were. */
  IDLE_TIMEOUT,
  /**
   * The pool could no longer supervise a persistent worker: the thread that drains its stderr
   * failed (an {@code OutOfMemoryError} of this JVM, a logging backend that threw). The worker was
   * ended rather than left to block on its next write while it looked healthy.
   */
  SUPERVISION_FAILED
}
