package dev.stockade.internal.workers;

/**
 * One run of a task on one worker: the id it was sent under and its clocks. With more than one task
 * in flight per worker, only the oldest unanswered one runs: its clocks start when it becomes the
 * oldest ({@link #startRunning}).
 */
final class Attempt {
  final long id;
  final WorkerTask task;
  volatile long startNanos;
  volatile long lastProgressNanos;

  /** When a cancelled task must have answered, or 0 while not cancelled. */
  volatile long cancelDeadlineNanos;

  /** Cancelled while it waited behind another task of its worker. */
  volatile boolean cancelRequested;

  Attempt(long id, WorkerTask task, long nowNanos) {
    this.id = id;
    this.task = task;
    this.startNanos = nowNanos;
    this.lastProgressNanos = nowNanos;
  }

  /** It is now the task its worker runs. */
  void startRunning(long nowNanos, long cancelGraceNanos) {
    startNanos = nowNanos;
    lastProgressNanos = nowNanos;
    if (cancelRequested) {
      cancelDeadlineNanos = nowNanos + cancelGraceNanos;
    }
  }

  /** Its caller cancelled it, while it ran or waited its turn. */
  boolean wasCancelled() {
    return cancelDeadlineNanos != 0 || cancelRequested;
  }

  long ranNanos(long nowNanos) {
    return nowNanos - startNanos;
  }
}
