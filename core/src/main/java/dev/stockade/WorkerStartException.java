package dev.stockade;

/**
 * The operating system could not start the task's program: not found, not executable, or the
 * working directory is missing. The cause is the JDK's {@link java.io.IOException}.
 */
public final class WorkerStartException extends StockadeException {
  public WorkerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
