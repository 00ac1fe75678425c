package dev.stockade;

/**
 * The task's handler raised an error and the worker reported it. The worker is healthy and takes
 * the next task. Carries what the worker said: the error's type in its own language (for instance
 * {@code ValueError} or {@code java.lang.IllegalStateException}), its message and its trace.
 */
public final class TaskFailedException extends StockadeException {
  /** The error's type as the worker named it. */
  private final String errorType;

  /** The error's message as the worker gave it. */
  private final String errorMessage;

  /** The worker's stack trace text; may be empty. */
  private final String trace;

  /** The id of the worker that ran the task. */
  private final String workerId;

  /**
   * An exception for an error the task's handler raised, as its worker reported it.
   *
   * @param taskLabel the task's label
   * @param workerId the id of the worker that ran the task
   * @param errorType the error's type as the worker named it
   * @param errorMessage the error's message as the worker gave it
   * @param trace the worker's stack trace text; may be empty, not null
   */
  public TaskFailedException(
      String taskLabel, String workerId, String errorType, String errorMessage, String trace) {
    super(
        "task '"
            + taskLabel
            + "' failed in worker "
            + workerId
            + ": "
            + errorType
            + ": "
            + errorMessage
            + (trace.isEmpty() ? "" : "\n" + trace));
    this.errorType = errorType;
    this.errorMessage = errorMessage;
    this.trace = trace;
    this.workerId = workerId;
  }

  /**
   * The error's type as the worker named it.
   *
   * @return the type name, for instance {@code ValueError}
   */
  public String errorType() {
    return errorType;
  }

  /**
   * The error's message as the worker gave it.
   *
   * @return the message
   */
  public String errorMessage() {
    return errorMessage;
  }

  /**
   * The worker's stack trace text (may be empty).
   *
   * @return the trace, or an empty string
   */
  public String trace() {
    return trace;
  }

  /**
   * The worker that ran the task; it is healthy and takes the next task.
   *
   * @return the worker's id within its pool
   */
  public String workerId() {
    return workerId;
  }
}
