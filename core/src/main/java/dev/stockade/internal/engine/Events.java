package dev.stockade.internal.engine;

import dev.stockade.PoolListener;
import dev.stockade.TaskEvent;
import dev.stockade.WorkerEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the pool's listener, if any, one at a time and in the order they were fired,
 * on the pool's {@link CallbackExecutor}: a listener is the caller's code, and must not stall the
 * threads that read workers or keep time. The event is built only when a listener is registered.
 * Whatever a listener throws — an {@link Error} included — is logged and contained.
 *
 * <p>At most {@value #MAX_PENDING} events wait for a listener that does not keep up; beyond that
 * events are dropped and counted in a warning, so a stuck listener cannot grow the pool's memory
 * without bound.
 */
public final class Events {
  private static final Logger log = LoggerFactory.getLogger(Events.class);
  static final int MAX_PENDING = 65_536;
  private static final long DROP_WARNING_GAP_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final ThreadLocal<Boolean> DELIVERING = ThreadLocal.withInitial(() -> false);

  private final String poolName;
  private final PoolListener listener;
  private final Executor inOrder;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private volatile long lastDropWarningNanos = System.nanoTime() - DROP_WARNING_GAP_NANOS;

  public Events(String poolName, PoolListener listener, Executor callbacks) {
    this.poolName = poolName;
    this.listener = listener;
    this.inOrder = listener == null ? null : new SequentialExecutor(callbacks);
  }

  /** Queues a call to the listener; {@code call} builds its event only when there is one. */
  public void fire(Consumer<PoolListener> call) {
    if (listener == null) {
      return;
    }
    if (pending.incrementAndGet() > MAX_PENDING) {
      pending.decrementAndGet();
      long drops = dropped.incrementAndGet();
      long now = System.nanoTime();
      if (now - lastDropWarningNanos > DROP_WARNING_GAP_NANOS) {
        lastDropWarningNanos = now;
        log.warn(
            "[{}] the pool listener does not keep up: {} events wait, {} dropped so far",
            poolName,
            MAX_PENDING,
            drops);
      }
      return;
    }
    inOrder.execute(
        () -> {
          DELIVERING.set(true);
          try {
            call.accept(listener);
          } catch (Throwable t) {
            log.warn("[{}] pool listener threw; listeners must not throw", poolName, t);
          } finally {
            DELIVERING.set(false);
            pending.decrementAndGet();
          }
        });
  }

  /** Tells the listener that {@code tree} started, for a task or as a worker. */
  public void workerStarted(SupervisedTree tree) {
    fire(
        l ->
            l.workerStarted(
                new WorkerEvent(
                    poolName,
                    tree.workerId(),
                    tree.label(),
                    tree.process().pid(),
                    tree.tempDirectory(),
                    Optional.empty(),
                    Optional.empty())));
  }

  /**
   * Reports a task's end as its future ended: {@code taskCompleted} for a result, {@code
   * taskFailed} with the failure, or with a {@link CancellationException} for a cancelled future
   * (whose end is reported once its work has stopped). The caller reports each task's end once.
   */
  public void taskEnded(PoolTask<?> task, String workerId, Duration ran) {
    if (listener == null) {
      return;
    }
    TaskFuture<?> future = task.future();
    Throwable failure =
        future.isCancelled()
            ? new CancellationException("task '" + task.label() + "' was cancelled")
            : future.isCompletedExceptionally() ? future.exceptionNow() : null;
    TaskEvent event =
        new TaskEvent(
            poolName,
            task.id(),
            task.label(),
            Optional.ofNullable(workerId),
            task.queueWait(),
            ran,
            Optional.ofNullable(task.outcome()),
            Optional.ofNullable(failure));
    if (failure == null) {
      fire(l -> l.taskCompleted(event));
    } else {
      fire(l -> l.taskFailed(event));
    }
  }

  /** Tells the listener that {@code task} was handed to worker {@code workerId}. */
  public void taskStarted(PoolTask<?> task, String workerId) {
    if (listener == null) {
      return;
    }
    TaskEvent event =
        new TaskEvent(
            poolName,
            task.id(),
            task.label(),
            Optional.of(workerId),
            task.queueWait(),
            Duration.ZERO,
            Optional.empty(),
            Optional.empty());
    fire(l -> l.taskStarted(event));
  }

  /**
   * Waits up to {@code bound} for every event fired so far to be delivered; false if the listener
   * is still busy then. Called from inside the listener it returns at once, since the events behind
   * the one being delivered wait for it.
   */
  public boolean awaitDelivered(Duration bound) {
    if (listener == null || DELIVERING.get()) {
      return true;
    }
    CountDownLatch reached = new CountDownLatch(1);
    inOrder.execute(reached::countDown);
    try {
      return reached.await(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
