package dev.stockade;

/**
 * The state of a {@link WorkerPool}'s circuit breaker over worker starts ({@link
 * PoolStatistics#breaker()}): after {@code startFailureThreshold} failed starts in a row it opens,
 * the pool stops starting workers and refuses submissions with {@link PoolUnhealthyException};
 * after {@code circuitOpenDuration} it lets one start through to probe.
 */
public enum BreakerState {
  /** Workers start as usual. */
  CLOSED,
  /** Starts keep failing: no worker is started and submissions are refused. */
  OPEN,
  /** A probing start is allowed; its outcome closes or reopens the breaker. */
  HALF_OPEN
}
