package dev.stockade;

/**
 * How a task ended, as {@link PoolStatistics} counts it and {@link TaskEvent#outcome()} reports it.
 * Every task has exactly one, decided at the moment its future completes.
 */
public enum TaskOutcome {
  /** It returned a result. */
  COMPLETED,
  /**
   * It failed by itself: the handler raised an error ({@link TaskFailedException}) or the command
   * exited with a status its {@code Command} does not accept ({@link CommandFailedException}).
   */
  FAILED,
  /** It ran past its timeout ({@link TaskTimeoutException}). */
  TIMED_OUT,
  /**
   * It had started when the pool or its tree's end cut it short: a memory or process limit, a
   * heartbeat or progress timeout, a crash, a protocol violation, a worker that could not start, or
   * the pool's close.
   */
  ABORTED,
  /** Its caller cancelled its future. */
  CANCELLED,
  /**
   * The pool never ran it: refused at submission (saturated, closed, unhealthy, not enough memory),
   * or failed for one of those reasons while it still waited in the queue.
   */
  REFUSED
}
