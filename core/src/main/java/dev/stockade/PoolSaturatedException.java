package dev.stockade;

/**
 * The pool refused a task because every worker was busy and the queue was full (or stayed full for
 * the whole admission wait). The message gives the pool's counts at the time; raise {@code workers}
 * or {@code queueCapacity}, or slow the producer down.
 */
public final class PoolSaturatedException extends StockadeException {
  /**
   * An exception for a task refused for want of room.
   *
   * @param message the pool's counts at the time
   */
  public PoolSaturatedException(String message) {
    super(message);
  }
}
