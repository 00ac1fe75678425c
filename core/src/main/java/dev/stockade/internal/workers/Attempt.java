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

  /**
   * Where its timeout counts from: its start, and for a batch the last BATCH_RESULT, so the timeout
   * holds for each input of a batch.
   */
  volatile long clockNanos;

  /** For a batch: how many of its inputs the worker has answered; read on its reader only. */
  int covered;

  /** When a cancelled task must have answered, or 0 while not cancelled. */
  volatile long cancelDeadlineNanos;

  /** Cancelled while it waited behind another task of its worker. */
  volatile boolean cancelRequested;

  Attempt(long id, WorkerTask task, long nowNanos) {
    this.id = id;
    this.task = task;
    this.startNanos = nowNanos;
    this.lastProgressNanos = nowNanos;
    this.clockNanos = nowNanos;
  }

  /** It is now the task its worker runs. */
  void startRunning(long nowNanos, long cancelGraceNanos) {
    startNanos = nowNanos;
    lastProgressNanos = nowNanos;
    clockNanos = nowNanos;
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

  /** A batch answered more of its inputs: its timeout and progress clocks start again. */
  void answeredInputs(int inputs, long nowNanos) {
    covered += inputs;
    clockNanos = nowNanos;
    lastProgressNanos = nowNanos;
  }

  /** How long it has run by its timeout's clock. */
  long sinceClockNanos(long nowNanos) {
    return nowNanos - clockNanos;
  }
}
