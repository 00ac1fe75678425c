package dev.stockade.internal.workers;

import dev.stockade.EndReason;
import dev.stockade.HeartbeatTimeoutException;
import dev.stockade.PoolClosedException;
import dev.stockade.ProgressTimeoutException;
import dev.stockade.SupervisionFailedException;
import dev.stockade.TaskOptions;
import dev.stockade.WorkerCrashedException;
import dev.stockade.WorkerDetails;
import dev.stockade.WorkerProtocolException;
import dev.stockade.internal.engine.EndFailures;
import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.engine.Unawaited;
import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles tasks: an answer completes its task; a worker's end fails the task it ran with the
 * exception that names the cause, runs an idempotent task again after a backoff when the cause was
 * the worker's (a crash, a hang, a protocol violation, a supervision failure), and puts the tasks
 * queued behind it back at the head of the queue when they provably never started.
 */
final class Settlement {
  private static final Logger log = LoggerFactory.getLogger(Settlement.class);

  private final RealWorkerPool pool;
  private final TaskRetry retry;

  /** Idempotent tasks between a failed attempt and the next; guarded by the pool's lock. */
  private final Set<WorkerTask> awaitingRetry = new HashSet<>();

  Settlement(RealWorkerPool pool) {
    this.pool = pool;
    this.retry = new TaskRetry(pool.name(), pool.settings.restarts());
  }

  /** The retry context of a task with {@code options}: null unless it is idempotent. */
  Retry.AsyncContext<Object> retryContext(TaskOptions options) {
    return retry.contextFor(options);
  }

  /** Completes the task with its result (unless it was cancelled) and reports its end. */
  void succeeded(WorkerTask task, String workerId, Duration ran, Object value) {
    if (task.retry != null) {
      task.retry.onComplete();
    }
    task.future().complete(value);
    pool.ended(task, workerId, ran);
  }

  /** Fails the task (unless it was already settled) and reports its end. */
  void failed(WorkerTask task, String workerId, Duration ran, Throwable failure) {
    task.future().completeExceptionally(failure);
    pool.ended(task, workerId, ran);
  }

  /**
   * Settles what {@code worker} held when it ended: the task it ran fails (or runs again), and the
   * tasks sent behind it go back to the queue or fail.
   *
   * @param reason why it was ended
   * @param reported why its end is reported (a protocol violation outranks the reason)
   * @param detailsOf the worker's details for the failure of one task it held: with the lines that
   *     task wrote to stderr
   * @param held the tasks it held, the running one first
   * @param allRepliesRead every answer up to the end of its output was read
   */
  void workerEnded(
      PooledWorker worker,
      EndReason reason,
      EndReason reported,
      Function<Attempt, WorkerDetails> detailsOf,
      List<Attempt> held,
      boolean allRepliesRead) {
    if (held.isEmpty()) {
      return;
    }
    Attempt running = held.get(0);
    attemptFailed(
        running,
        worker,
        failure(running, worker, reason, detailsOf.apply(running)),
        ranUntilEnd(running, worker));
    // A worker runs its tasks one at a time, in order, and answers in order: when every answer
    // up to the end of its output was read, the tasks behind the running one never started,
    // so they go back to the front of the queue, in their order. When answers went unread (the
    // reader stopped at a violation, or a pipe had to be abandoned), they may have run: they
    // fail, and only an idempotent task runs again.
    for (int i = held.size() - 1; i >= 1; i--) {
      Attempt waited = held.get(i);
      waited.task.worker = null;
      if (allRepliesRead) {
        requeue(waited.task);
      } else {
        attemptFailed(
            waited,
            worker,
            mayHaveRun(waited, worker, reported, detailsOf.apply(waited)),
            Duration.ZERO);
      }
    }
  }

  /** How long {@code a} had run when its worker's end was claimed (teardown not counted). */
  private static Duration ranUntilEnd(Attempt a, PooledWorker w) {
    long end = w.endClaimedNanos != 0 ? w.endClaimedNanos : System.nanoTime();
    return Duration.ofNanos(Math.max(0, end - a.startNanos));
  }

  /** A task that was sent behind the running one when answers went unread. */
  private static RuntimeException mayHaveRun(
      Attempt a, PooledWorker w, EndReason reason, WorkerDetails details) {
    String why =
        "it was sent to worker "
            + w.id()
            + " behind the task it was running, the "
            + "worker was ended ("
            + reason
            + ") before all its answers were read, so this task "
            + "may have run";
    return reason == EndReason.PROTOCOL_VIOLATION
        ? new WorkerProtocolException(
            a.task.label(), w.connection.violation() + "; " + why, details)
        : new WorkerCrashedException(a.task.label(), why, details);
  }

  /** The failure of the task {@code w} ran when it was ended for {@code reason}. */
  private RuntimeException failure(
      Attempt a, PooledWorker w, EndReason reason, WorkerDetails details) {
    String label = a.task.label();
    Attempt cause = w.runningWhenEndClaimed;
    if (cause != null && cause != a && isAboutOneTask(reason)) {
      // The worker moved on to this task in the moment between the claim and the teardown.
      return new WorkerCrashedException(
          label,
          "its worker was being ended ("
              + reason
              + ") for task '"
              + cause.task.label()
              + "' when this task started",
          details);
    }
    WorkerPoolSettings.Liveness liveness = pool.settings.liveness();
    return switch (reason) {
      case HEARTBEAT_TIMEOUT ->
          new HeartbeatTimeoutException(
              label, Duration.ofNanos(w.silenceNanos), liveness.heartbeatTimeout(), details);
      case PROGRESS_TIMEOUT ->
          new ProgressTimeoutException(
              label,
              Duration.ofNanos(Math.max(0, w.endClaimedNanos - a.lastProgressNanos)),
              liveness.progressTimeout().orElseThrow(),
              details);
      case PROTOCOL_VIOLATION ->
          new WorkerProtocolException(label, w.connection.violation(), details);
      case SUPERVISION_FAILED -> new SupervisionFailedException(label, w.stderr.failure(), details);
      default ->
          EndFailures.of(
                  reason,
                  EndFailures.Facts.of(
                      pool, w, label, a.task.timeout(), ranUntilEnd(a, w), details))
              .orElseGet(() -> new WorkerCrashedException(label, details));
    };
  }

  /** Endings caused by one task (its deadline, its progress, its cancel), not by the worker. */
  private static boolean isAboutOneTask(EndReason reason) {
    return reason == EndReason.TIMEOUT
        || reason == EndReason.PROGRESS_TIMEOUT
        || reason == EndReason.CANCELLED;
  }

  /** Settles a task whose worker ended under it: retried if idempotent and retryable. */
  private void attemptFailed(
      Attempt a, PooledWorker worker, RuntimeException failure, Duration ran) {
    WorkerTask task = a.task;
    task.worker = null;
    if (task.future().isDone()) {
      pool.ended(task, worker.id(), ran); // cancelled while it ran: its work has stopped now
      return;
    }
    if (task.retry != null && !pool.isClosed()) {
      long delayMillis = task.retry.onError(failure);
      if (delayMillis >= 0 && retryLater(task, delayMillis)) {
        try (LogContext ignored = LogContext.tree(pool.name(), worker.id(), task)) {
          log.info(
              "[{}] task '{}' (idempotent) failed on worker {} ({}); running it again in {} "
                  + "ms",
              pool.name(),
              task.label(),
              worker.id(),
              failure.getClass().getSimpleName(),
              delayMillis);
        }
        return;
      }
    }
    failed(task, worker.id(), ran, failure);
  }

  /** Schedules {@code task} to run again; false if the pool is closing. */
  private boolean retryLater(WorkerTask task, long delayMillis) {
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      awaitingRetry.add(task); // close() fails it if the pool closes meanwhile
    } finally {
      lock.unlock();
    }
    try {
      Unawaited.schedule(
          pool.timer(),
          delayMillis,
          TimeUnit.MILLISECONDS,
          pool.name(),
          "the retry of a task",
          () -> requeue(task));
      return true;
    } catch (RejectedExecutionException closing) {
      lock.lock();
      try {
        awaitingRetry.remove(task);
      } finally {
        lock.unlock();
      }
      return false;
    }
  }

  /** Puts {@code task} back at the head of the queue, for its next attempt. */
  void requeue(WorkerTask task) {
    boolean alreadyDone = false;
    boolean refusedClosed = false;
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      awaitingRetry.remove(task);
      if (task.future().isDone()) {
        alreadyDone = true; // cancelled between attempts
      } else if (pool.closedLocked()) {
        refusedClosed = true;
      } else {
        pool.queue.addFirst(task);
      }
    } finally {
      lock.unlock();
    }
    if (alreadyDone) {
      pool.ended(task, null, Duration.ZERO);
      return;
    }
    if (refusedClosed) {
      pool.refuse(
          task,
          new PoolClosedException(
              "pool '"
                  + pool.name()
                  + "' was closed before "
                  + "task '"
                  + task.label()
                  + "' could run again"));
      return;
    }
    pool.dispatcher.pumpQueue();
    pool.starter.maybeStartWorkers();
  }

  /** Takes every task waiting to be retried, for close to fail; under the lock. */
  List<WorkerTask> takeAwaitingRetryLocked() {
    List<WorkerTask> taken = new ArrayList<>(awaitingRetry);
    awaitingRetry.clear();
    return taken;
  }

  /** Drops a cancelled task that waited to be retried; under the lock. */
  boolean dropAwaitingRetryLocked(WorkerTask task) {
    return awaitingRetry.remove(task);
  }
}
