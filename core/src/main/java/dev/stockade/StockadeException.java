package dev.stockade;

/**
 * The root of every exception Stockade completes a future with or throws at run time. Each subclass
 * says why, and its message says what to change.
 */
public class StockadeException extends RuntimeException {
  /**
   * An exception with a message that says what happened and what to change.
   *
   * @param message the message
   */
  public StockadeException(String message) {
    super(message);
  }

  /**
   * An exception with a message and the failure behind it.
   *
   * @param message the message
   * @param cause the underlying failure
   */
  public StockadeException(String message, Throwable cause) {
    super(message, cause);
  }
}
