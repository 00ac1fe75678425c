package dev.stockade;

/**
 * The pool was closed before the task could finish: submitted after {@code close()} or {@code
 * shutdown()} (the message says "refused after shutdown"), still queued when {@code close()} was
 * called, or running when it ended every tree — at once, or after a drain's deadline (the message
 * says "cut off by close").
 */
public final class PoolClosedException extends StockadeException {
  /**
   * An exception for a task the closing pool refused or cut off.
   *
   * @param message which, and when
   */
  public PoolClosedException(String message) {
    super(message);
  }
}
