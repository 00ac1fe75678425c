package dev.stockade.internal.workers;

import dev.stockade.BreakerState;
import dev.stockade.EndReason;
import dev.stockade.ExitStatus;
import dev.stockade.HealthProblem;
import dev.stockade.PoolUnhealthyException;
import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.engine.PoolEngine;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the pool's workers can start, and what that means for its tasks: the {@link
 * StartPolicy}'s count of failed starts (a worker that ended before its HELLO) and of failed
 * workers, the pool's health, the refusal of submissions while the circuit breaker is open, and the
 * failing of queued tasks that no worker can serve.
 */
final class StartHealth {
  private static final Logger log = LoggerFactory.getLogger(StartHealth.class);

  private final RealWorkerPool pool;
  private final WorkerStarter starter;
  private final WorkerPoolSettings settings;
  private final StartPolicy starts;

  StartHealth(RealWorkerPool pool, WorkerStarter starter) {
    this.pool = pool;
    this.starter = starter;
    this.settings = pool.settings;
    WorkerPoolSettings.Restarts restarts = settings.restarts();
    this.starts =
        new StartPolicy(
            settings.name(),
            restarts.backoffInitial(),
            restarts.backoffMax(),
            restarts.startFailureThreshold(),
            restarts.circuitOpenDuration(),
            this::breakerMoved);
  }

  /** When starts may begin; used under the pool's lock. */
  StartPolicy policy() {
    return starts;
  }

  /**
   * False while the breaker is not closed, and while the last start failed and no worker serves:
   * then nothing the pool holds can run.
   */
  boolean isHealthy() {
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      return starts.isClosed() && !(starts.lastStartFailed() && !anyServingLocked());
    } finally {
      lock.unlock();
    }
  }

  /**
   * Adds {@link HealthProblem#BREAKER_OPEN} while the breaker is not closed, and {@link
   * HealthProblem#WORKERS_CANNOT_START} while the last start failed and no worker serves; under the
   * pool's lock.
   */
  void addProblemsLocked(Map<HealthProblem, String> problems) {
    if (!starts.isClosed()) {
      problems.put(
          HealthProblem.BREAKER_OPEN,
          "the circuit breaker over worker starts is "
              + starts.state()
              + " after "
              + settings.restarts().startFailureThreshold()
              + " failed starts in a row (last: "
              + starts.lastFailureText()
              + ")");
    }
    if (starts.lastStartFailed() && !anyServingLocked()) {
      problems.put(
          HealthProblem.WORKERS_CANNOT_START,
          "the last worker start failed and no worker serves (" + starts.lastFailureText() + ")");
    }
  }

  /** The breaker's state as the public API names it; the breaker is thread-safe on its own. */
  BreakerState breakerState() {
    return switch (starts.state()) {
      case OPEN, FORCED_OPEN -> BreakerState.OPEN;
      case HALF_OPEN -> BreakerState.HALF_OPEN;
      case CLOSED, DISABLED, METRICS_ONLY -> BreakerState.CLOSED;
    };
  }

  /** A worker that said HELLO and is not ending. */
  private boolean anyServingLocked() {
    for (PooledWorker w : pool.live) {
      if (w.life.phase().isServing()) {
        return true;
      }
    }
    return false;
  }

  /** While the breaker is open, every submission is refused; under the lock. */
  RuntimeException refusalLocked(WorkerTask task) {
    return starts.isClosed() ? null : unhealthy("task '" + task.label() + "' refused");
  }

  private PoolUnhealthyException unhealthy(String what) {
    return new PoolUnhealthyException(
        what
            + ": pool '"
            + settings.name()
            + "' is unhealthy — "
            + "its circuit breaker is "
            + starts.state()
            + " after "
            + settings.restarts().startFailureThreshold()
            + " failed worker starts in a row (last: "
            + starts.lastFailureText()
            + "); it probes again every "
            + settings.restarts().circuitOpenDuration().toMillis()
            + " ms",
        starts.lastFailure() == null ? null : starts.lastFailure().exception(""));
  }

  void startSucceeded(long tookNanos) {
    starts.startSucceeded(tookNanos);
  }

  void workerServedLocked() {
    starts.workerServed();
  }

  private void breakerMoved(CircuitBreaker.StateTransition transition) {
    try (LogContext ignored = LogContext.pool(settings.name())) {
      logBreakerMoved(transition.getToState());
    }
  }

  private void logBreakerMoved(CircuitBreaker.State to) {
    if (to == CircuitBreaker.State.OPEN) {
      log.error(
          "[{}] worker starts keep failing ({}); circuit breaker open: no worker starts "
              + "and submissions fail for {} ms, then one probe start",
          settings.name(),
          starts.lastFailureText(),
          settings.restarts().circuitOpenDuration().toMillis());
      // Called inside the breaker, under the pool's lock: futures are failed elsewhere.
      pool.io().execute(this::failQueuedIfNoWorkerCanServe);
    } else if (to == CircuitBreaker.State.CLOSED) {
      log.info("[{}] a worker started again; circuit breaker closed", settings.name());
    } else {
      log.info("[{}] circuit breaker {}", settings.name(), to);
    }
  }

  /**
   * Counts the end of {@code worker} against the start policy: one that ended before its HELLO (the
   * pool's close aside) is a failed start; one that served and then crashed, hung or broke the
   * protocol is a failure of the worker command. Under the lock.
   *
   * @return the failed start, or null
   */
  StartFailure workerEndedLocked(PooledWorker worker, EndReason reason, ExitStatus exit) {
    long now = System.nanoTime();
    if (!worker.life.saidHello() && reason != EndReason.POOL_CLOSED) {
      StartFailure failure =
          new StartFailure(
              "worker "
                  + worker.id()
                  + " of pool '"
                  + settings.name()
                  + "' "
                  + describeEarlyEnd(worker, reason, exit),
              null,
              worker.stderr.lastLines(PoolEngine.STDERR_LINES_IN_MESSAGES));
      starts.startFailed(now - worker.life.startNanos, failure, now);
      return failure;
    }
    if (!worker.life.saidHello()) {
      starts.unused();
    } else if (reason == EndReason.EXITED
        || reason == EndReason.HEARTBEAT_TIMEOUT
        || reason == EndReason.PROTOCOL_VIOLATION) {
      starts.failed(now);
    }
    return null;
  }

  private String describeEarlyEnd(PooledWorker worker, EndReason reason, ExitStatus exit) {
    String why =
        switch (reason) {
          case EXITED -> "exited before it said HELLO: " + exit;
          case START_TIMEOUT ->
              "said no HELLO within its start timeout of "
                  + settings.liveness().startTimeout().toMillis()
                  + " ms";
          case PROTOCOL_VIOLATION ->
              "broke the protocol before it said HELLO: " + worker.connection.violation();
          default -> "ended before it said HELLO: " + reason;
        };
    Object directory =
        settings.launch().directory() != null
            ? settings.launch().directory()
            : System.getProperty("user.dir");
    return why
        + " (program "
        + settings.launch().arguments().get(0)
        + ", directory "
        + directory
        + ")";
  }

  /**
   * After a start failed: with no worker serving, the queued tasks would wait for a start that may
   * never succeed, so they fail now with the start's failure (or, once the breaker is open, as
   * unhealthy); then the next start is planned, after the backoff.
   */
  void afterFailedStart() {
    failQueuedIfNoWorkerCanServe();
    starter.maybeStartWorkers(); // with no worker alive there is no tick: this schedules the retry
  }

  /** With no worker serving and the last start failed, queued tasks fail with its failure. */
  private void failQueuedIfNoWorkerCanServe() {
    List<WorkerTask> dropped = new ArrayList<>();
    StartFailure cause;
    boolean breakerOpen;
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      cause = starts.lastFailure();
      breakerOpen = !starts.isClosed();
      if ((breakerOpen || starts.lastStartFailed()) && !anyServingLocked()) {
        dropped.addAll(pool.queue);
        pool.queue.clear();
        pool.changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
    for (WorkerTask task : dropped) {
      pool.refuse(
          task,
          breakerOpen || cause == null
              ? unhealthy("queued task '" + task.label() + "' failed")
              : cause.exception("task '" + task.label() + "' was not run: "));
    }
  }
}
