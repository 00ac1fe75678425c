package dev.stockade;

import java.time.Duration;

/**
 * The task reported no progress for longer than the pool's {@code progressTimeout}, although its
 * worker was alive and sending heartbeats — a handler stuck in a loop or waiting forever. Stockade
 * ended the worker's whole process tree.
 */
public final class ProgressTimeoutException extends WorkerFailureException {
  /** The pool's {@code progressTimeout} the task ran past. */
  private final Duration progressTimeout;

  /**
   * An exception for a task whose worker was ended for want of progress.
   *
   * @param taskLabel the task's label
   * @param quiet how long the task had reported no progress
   * @param progressTimeout the pool's {@code progressTimeout}
   * @param details the worker's tree as it ended
   */
  public ProgressTimeoutException(
      String taskLabel, Duration quiet, Duration progressTimeout, WorkerDetails details) {
    super(
        "task '"
            + taskLabel
            + "' reported no progress for "
            + quiet.toMillis()
            + " ms, past its progress timeout of "
            + progressTimeout.toMillis()
            + " ms; its process tree was ended",
        details);
    this.progressTimeout = progressTimeout;
  }

  /**
   * The pool's {@code progressTimeout} the task ran past.
   *
   * @return the progress timeout
   */
  public Duration progressTimeout() {
    return progressTimeout;
  }
}
