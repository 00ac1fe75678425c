package dev.stockade;

/**
 * The pool was closed before the task could finish: submitted after {@code close()}, still
 * queued when it was called, or running when it ended every tree.
 */
public final class PoolClosedException extends StockadeException {
  public PoolClosedException(String message) {
    super(message);
  }
}
