package dev.stockade;

/**
 * The root of every exception Stockade completes a future with or throws at run time. Each
 * subclass says why, and its message says what to change.
 */
public class StockadeException extends RuntimeException {
  public StockadeException(String message) {
    super(message);
  }

  public StockadeException(String message, Throwable cause) {
    super(message, cause);
  }
}
