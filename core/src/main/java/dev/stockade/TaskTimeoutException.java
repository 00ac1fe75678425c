package dev.stockade;

import java.time.Duration;

/**
 * The task ran past its deadline; Stockade ended its whole process tree. Raise the pool's
 * {@code taskTimeout} or the command's own timeout if the work is legitimately slow.
 */
public final class TaskTimeoutException extends WorkerFailureException {
  private final Duration timeout;

  public TaskTimeoutException(Duration timeout, Duration ran, WorkerDetails details) {
    this(details.label(), timeout, ran, details);
  }

  /** For a task run by a persistent worker, whose label is not the worker's. */
  public TaskTimeoutException(String taskLabel, Duration timeout, Duration ran,
      WorkerDetails details) {
    super("task '" + taskLabel + "' ran " + ran.toMillis() + " ms, past its timeout of "
        + timeout.toMillis() + " ms; its process tree was ended", details);
    this.timeout = timeout;
  }

  public Duration timeout() {
    return timeout;
  }
}
