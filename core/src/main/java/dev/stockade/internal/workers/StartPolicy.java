package dev.stockade.internal.workers;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * When the pool may start a worker: exponential backoff with jitter after failures in a row, and a
 * circuit breaker over starts (a start succeeds when the worker says HELLO) that opens after {@code
 * threshold} failed starts in a row, so a worker command that exits at once does not become a fork
 * loop. Not thread-safe on its own: the pool calls it under its lock, except for the breaker, which
 * is.
 */
final class StartPolicy {
  private final CircuitBreaker breaker;
  private final IntervalFunction backoff;
  private int failuresInARow;
  private long notBeforeNanos;
  private StartFailure lastFailure;
  private boolean lastStartFailed;

  StartPolicy(
      String poolName,
      Duration backoffInitial,
      Duration backoffMax,
      int threshold,
      Duration openDuration,
      Consumer<CircuitBreaker.StateTransition> onTransition) {
    this.backoff =
        IntervalFunction.ofExponentialRandomBackoff(backoffInitial, 2.0, 0.5, backoffMax);
    this.breaker =
        CircuitBreaker.of(
            "stockade-" + poolName + "-starts",
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(threshold)
                .minimumNumberOfCalls(threshold)
                // All of the last `threshold` starts failed: a single success keeps it closed.
                .failureRateThreshold(100)
                .slowCallDurationThreshold(Duration.ofDays(1))
                .waitDurationInOpenState(openDuration)
                .permittedNumberOfCallsInHalfOpenState(1)
                .writableStackTraceEnabled(false)
                .build());
    breaker
        .getEventPublisher()
        .onStateTransition(event -> onTransition.accept(event.getStateTransition()));
  }

  /** True when a start may begin now; takes the breaker's permission for it. */
  boolean tryStart(long nowNanos) {
    return nowNanos - notBeforeNanos >= 0 && breaker.tryAcquirePermission();
  }

  /** After a failure, starts go one at a time until one succeeds. */
  boolean isRecovering() {
    return failuresInARow > 0;
  }

  /** A permission taken by {@link #tryStart} that no start used. */
  void unused() {
    breaker.releasePermission();
  }

  void startSucceeded(long tookNanos) {
    lastStartFailed = false;
    breaker.onSuccess(tookNanos, TimeUnit.NANOSECONDS);
  }

  void startFailed(long tookNanos, StartFailure why, long nowNanos) {
    // First: the breaker may open inside onError, and its message names the failure.
    lastFailure = why;
    lastStartFailed = true;
    failed(nowNanos);
    breaker.onError(tookNanos, TimeUnit.NANOSECONDS, why.exception(""));
  }

  /** True from a failed start until a worker says HELLO. */
  boolean lastStartFailed() {
    return lastStartFailed;
  }

  /** A worker failed (crash, lost heartbeat, protocol violation): back off the next start. */
  void failed(long nowNanos) {
    failuresInARow++;
    notBeforeNanos = nowNanos + TimeUnit.MILLISECONDS.toNanos(backoff.apply(failuresInARow));
  }

  /** A worker answered a task: whatever failed before, starts are healthy again. */
  void workerServed() {
    failuresInARow = 0;
    notBeforeNanos = 0;
  }

  boolean isClosed() {
    return breaker.getState() == CircuitBreaker.State.CLOSED;
  }

  CircuitBreaker.State state() {
    return breaker.getState();
  }

  /** The last failed start, or null if none failed. */
  StartFailure lastFailure() {
    return lastFailure;
  }

  /** The last failed start, for logs and messages. */
  String lastFailureText() {
    return lastFailure == null ? "none" : lastFailure.describe();
  }

  int failuresInARow() {
    return failuresInARow;
  }
}
