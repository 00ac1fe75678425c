package dev.stockade.internal.workers;

import dev.stockade.HeartbeatTimeoutException;
import dev.stockade.SupervisionFailedException;
import dev.stockade.TaskOptions;
import dev.stockade.WorkerCrashedException;
import dev.stockade.WorkerProtocolException;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

/**
 * When a failed task runs again: only an idempotent one, only after a failure that was its worker's
 * (a crash, a hang, a protocol violation, a supervision failure — never its own error, its
 * deadline, its memory or its cancel), at most {@code retryAttempts} runs in all, after an
 * exponential backoff with jitter. Built on Resilience4j's {@link Retry}.
 */
final class TaskRetry {
  private final Retry retry;

  TaskRetry(String poolName, WorkerPoolSettings.Restarts restarts) {
    this.retry =
        Retry.of(
            "stockade-" + poolName + "-tasks",
            RetryConfig.custom()
                .maxAttempts(restarts.retryAttempts())
                .intervalFunction(
                    IntervalFunction.ofExponentialRandomBackoff(
                        restarts.backoffInitial(), 2.0, 0.5, restarts.backoffMax()))
                .retryOnException(TaskRetry::isRetryable)
                .failAfterMaxAttempts(false)
                .writableStackTraceEnabled(false)
                .build());
  }

  /** Failures that were the worker's, not the task's. */
  static boolean isRetryable(Throwable failure) {
    return failure instanceof WorkerCrashedException
        || failure instanceof HeartbeatTimeoutException
        || failure instanceof WorkerProtocolException
        || failure instanceof SupervisionFailedException;
  }

  /**
   * The retry context of one task with {@code options}: null unless it is idempotent. Its {@code
   * onError} returns the delay before the next run, or -1 for none.
   */
  Retry.AsyncContext<Object> contextFor(TaskOptions options) {
    return options.isIdempotent() ? retry.asyncContext() : null;
  }
}
