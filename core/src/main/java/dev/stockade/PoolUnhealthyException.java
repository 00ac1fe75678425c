package dev.stockade;

/**
 * The pool's workers keep failing to start (the worker command exits at once, or never says HELLO),
 * so its circuit breaker is open: the pool stops starting processes, refuses work at once instead
 * of queueing it, and probes on its own after a pause. The message names the last start failure,
 * and the cause is its {@link WorkerStartException} (with the worker's stderr tail) when there is
 * one.
 */
public final class PoolUnhealthyException extends StockadeException {
  /**
   * An exception for a task refused while the circuit breaker is open.
   *
   * @param message the last start failure
   */
  public PoolUnhealthyException(String message) {
    super(message);
  }

  /**
   * An exception for a task refused while the circuit breaker is open.
   *
   * @param message the last start failure
   * @param cause the last start failure's exception
   */
  public PoolUnhealthyException(String message, Throwable cause) {
    super(message, cause);
  }
}
