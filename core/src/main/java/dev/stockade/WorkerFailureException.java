package dev.stockade;

import java.util.Objects;

/**
 * A task failed because of what happened to the process tree running it. Carries the
 * {@link WorkerDetails}: pool, worker, pid, size, peak memory and the stderr tail.
 */
public abstract class WorkerFailureException extends StockadeException {
  private final transient WorkerDetails details;

  protected WorkerFailureException(String message, WorkerDetails details) {
    super(message + describe(details));
    this.details = Objects.requireNonNull(details, "details");
  }

  private static String describe(WorkerDetails details) {
    String tail = details.stderrTail().isEmpty()
        ? ""
        : "; last stderr lines:\n" + details.stderrTail();
    return " [" + details + "]" + tail;
  }

  public WorkerDetails details() {
    return details;
  }
}
