package dev.stockade;

import java.time.Duration;

/**
 * The worker running the task sent no heartbeat for longer than the pool's {@code heartbeatTimeout}
 * and was hung: its root process was stopped, or its process tree used less than a twentieth of one
 * CPU over the last {@code heartbeatTimeout} (it was starved, or its runtime was blocked). Stockade
 * ended its whole process tree. A silent worker whose tree keeps using CPU is busy, not hung, and
 * is not ended for its silence.
 */
public final class HeartbeatTimeoutException extends WorkerFailureException {
  /** How long the worker had been silent when it was ended. */
  private final Duration silence;

  /**
   * An exception for a worker ended for its silence.
   *
   * @param taskLabel the label of the task the worker was running
   * @param silence how long the worker had been silent
   * @param timeout the pool's {@code heartbeatTimeout}
   * @param details the worker's process tree as it ended
   */
  public HeartbeatTimeoutException(
      String taskLabel, Duration silence, Duration timeout, WorkerDetails details) {
    super(
        "worker "
            + details.workerId()
            + " running task '"
            + taskLabel
            + "' sent no heartbeat "
            + "for "
            + silence.toMillis()
            + " ms, past the heartbeat timeout of "
            + timeout.toMillis()
            + " ms; its process tree was ended",
        details);
    this.silence = silence;
  }

  /**
   * How long the worker had been silent when it was ended.
   *
   * @return the silence
   */
  public Duration silence() {
    return silence;
  }
}
