package dev.stockade;

/**
 * The pool's workers keep failing to start (the worker command exits at once, or never says
 * HELLO), so its circuit breaker is open: the pool stops starting processes, refuses work at
 * once instead of queueing it, and probes on its own after a pause. The message names the last
 * start failure.
 */
public final class PoolUnhealthyException extends StockadeException {
  public PoolUnhealthyException(String message) {
    super(message);
  }
}
