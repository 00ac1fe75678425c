package dev.stockade;

import java.time.Duration;

/**
 * The task ran past its deadline; Stockade ended its whole process tree. Raise the pool's {@code
 * taskTimeout} or the command's own timeout if the work is legitimately slow.
 */
public final class TaskTimeoutException extends WorkerFailureException {
  /** The deadline the task ran past. */
  private final Duration timeout;

  /**
   * An exception for a task whose tree (its command's, or its worker's) ran past the deadline.
   *
   * @param taskLabel the task's label
   * @param timeout the deadline
   * @param ran how long the task had run
   * @param details the tree as it ended
   */
  public TaskTimeoutException(
      String taskLabel, Duration timeout, Duration ran, WorkerDetails details) {
    super(
        "task '"
            + taskLabel
            + "' ran "
            + ran.toMillis()
            + " ms, past its timeout of "
            + timeout.toMillis()
            + " ms; its process tree was ended",
        details);
    this.timeout = timeout;
  }

  /**
   * The deadline the task ran past: the pool's {@code taskTimeout} or the task's own.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }
}
