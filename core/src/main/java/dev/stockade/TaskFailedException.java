package dev.stockade;

/**
 * The task's handler raised an error and the worker reported it. The worker is healthy and
 * takes the next task. Carries what the worker said: the error's type in its own language
 * (for instance {@code ValueError} or {@code java.lang.IllegalStateException}), its message
 * and its trace.
 */
public final class TaskFailedException extends StockadeException {
  private final String errorType;
  private final String errorMessage;
  private final String trace;
  private final String workerId;

  public TaskFailedException(String taskLabel, String workerId, String errorType,
      String errorMessage, String trace) {
    super("task '" + taskLabel + "' failed in worker " + workerId + ": " + errorType + ": "
        + errorMessage + (trace.isEmpty() ? "" : "\n" + trace));
    this.errorType = errorType;
    this.errorMessage = errorMessage;
    this.trace = trace;
    this.workerId = workerId;
  }

  /** The error's type as the worker named it. */
  public String errorType() {
    return errorType;
  }

  /** The error's message as the worker gave it. */
  public String errorMessage() {
    return errorMessage;
  }

  /** The worker's stack trace text (may be empty). */
  public String trace() {
    return trace;
  }

  public String workerId() {
    return workerId;
  }
}
