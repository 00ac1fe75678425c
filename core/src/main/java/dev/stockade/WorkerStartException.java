package dev.stockade;

/**
 * The task's program could not be started: it was not found, is not executable, is not a
 * program the kernel can start (no ELF header, no {@code #!} line), names a {@code #!}
 * interpreter that is missing, or its working directory is missing. The same failure gives the
 * same exception in every containment mode and with every launcher, since each start is checked
 * before the launch. The message names the program, the working directory and the reason; the
 * cause is an {@link java.io.IOException} carrying the same.
 */
public final class WorkerStartException extends StockadeException {
  public WorkerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
