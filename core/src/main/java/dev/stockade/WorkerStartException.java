package dev.stockade;

/**
 * A process could not be started, or a persistent worker started but never became ready: the
 * program was not found, is not executable, is not a program the kernel can start (no ELF header,
 * no {@code #!} line), names a {@code #!} interpreter that is missing, or its working directory is
 * missing — or the worker exited, hung or broke the protocol before it said HELLO. The same failure
 * gives the same exception in every containment mode and with every launcher, since each start is
 * checked before the launch. The message names the program, the working directory and the reason;
 * {@link #stderrTail()} holds what the process last wrote to stderr (a Python traceback, say), and
 * the cause is the underlying failure where there is one.
 */
public final class WorkerStartException extends StockadeException {
  /** What the process last wrote to stderr; empty if nothing. */
  private final String stderrTail;

  /**
   * An exception without a stderr tail: the process wrote nothing to stderr, or never ran.
   *
   * @param message the program, its working directory and the reason
   * @param cause the underlying failure, or null
   */
  public WorkerStartException(String message, Throwable cause) {
    this(message, cause, "");
  }

  /**
   * With the last lines the process wrote to stderr; they are appended to the message.
   *
   * @param message the program, its working directory and the reason
   * @param cause the underlying failure, or null
   * @param stderrTail the last lines the process wrote to stderr; null or empty if none
   */
  public WorkerStartException(String message, Throwable cause, String stderrTail) {
    super(
        stderrTail == null || stderrTail.isEmpty()
            ? message
            : message + "; last stderr lines:\n" + stderrTail,
        cause);
    this.stderrTail = stderrTail == null ? "" : stderrTail;
  }

  /**
   * What the process last wrote to stderr before it failed to start; empty if nothing.
   *
   * @return the stderr tail, or an empty string
   */
  public String stderrTail() {
    return stderrTail;
  }
}
