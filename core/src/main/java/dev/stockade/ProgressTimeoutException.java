package dev.stockade;

import java.time.Duration;

/**
 * The task reported no progress for longer than the pool's {@code progressTimeout}, although
 * its worker was alive and sending heartbeats — a handler stuck in a loop or waiting forever.
 * Stockade ended the worker's whole process tree.
 */
public final class ProgressTimeoutException extends WorkerFailureException {
  private final Duration progressTimeout;

  public ProgressTimeoutException(String taskLabel, Duration quiet, Duration progressTimeout,
      WorkerDetails details) {
    super("task '" + taskLabel + "' reported no progress for " + quiet.toMillis()
        + " ms, past its progress timeout of " + progressTimeout.toMillis()
        + " ms; its process tree was ended", details);
    this.progressTimeout = progressTimeout;
  }

  public Duration progressTimeout() {
    return progressTimeout;
  }
}
