package dev.stockade.internal.workers;

import dev.stockade.WorkerSnapshot;
import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.engine.Unawaited;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the caller's {@code HealthCheck} of a worker, as part of a health-check round, on the
 * callback executor: a slow or throwing check (an {@link Error} included) costs the round, never a
 * reader or the housekeeper. The round counts once its PONG and its probe are both in ({@link
 * HealthJudge#concludeRound}).
 */
final class HealthProbe {
  private static final Logger log = LoggerFactory.getLogger(HealthProbe.class);

  private final RealWorkerPool pool;

  HealthProbe(RealWorkerPool pool) {
    this.pool = pool;
  }

  /** Runs the caller's health check of {@code w}; the round concludes when it answers. */
  void run(PooledWorker w) {
    WorkerSnapshot snapshot = w.tree.snapshot();
    WorkerPoolSettings.Liveness liveness = pool.settings.liveness();
    // The caller's code: on the callback executor, where a slow or throwing check (an Error
    // included) costs the round, never a reader or the housekeeper.
    CompletableFuture<Void> concluded =
        CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return liveness.healthCheck().get().isHealthy(snapshot);
                  } catch (Throwable t) {
                    try (LogContext ignored = w.logContext()) {
                      log.warn(
                          "[{}] health check of {} threw; counted as failed",
                          pool.name(),
                          w.id(),
                          t);
                    }
                    return false;
                  }
                },
                pool.callbacks)
            .completeOnTimeout(
                false, liveness.healthCheckTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .thenAccept(
                ok -> {
                  HealthJudge.Round round;
                  pool.lock.lock();
                  try {
                    w.life.probeDone(ok);
                    round = pool.judge.concludeRound(w.life);
                  } finally {
                    pool.lock.unlock();
                  }
                  if (round == HealthJudge.Round.FAILED) {
                    roundFailed(w);
                  }
                });
    Unawaited.logFailure(concluded, pool.name(), "the health round of worker " + w.id());
  }

  /** Logs a failed round of {@code w}. */
  void roundFailed(PooledWorker w) {
    try (LogContext ignored = w.logContext()) {
      log.warn(
          "[{}] worker {} failed its health check ({} of {} in a row)",
          pool.name(),
          w.id(),
          w.life.healthFailures,
          pool.settings.liveness().healthCheckFailures());
    }
  }
}
