package dev.stockade.internal.engine;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A task as the engine sees it, whichever pool runs it: its label, the future its caller holds, and
 * its one start and one end as the listener hears them, however many attempts it takes.
 *
 * @param <V> what its future completes with
 */
public abstract class PoolTask<V> {
  /** Told when a caller cancels a task's future: the pool drops the task or stops its work. */
  @FunctionalInterface
  public interface Canceller<T> {
    void cancelled(T task, boolean mayInterruptIfRunning);
  }

  private final String label;
  private final Duration timeout;
  private final TaskFuture<V> future;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();

  /**
   * @param timeout the task's effective deadline
   * @param onCancel its pool, told when the future is cancelled
   * @param callbacks where the future's dependent stages run
   * @param spinNanos how long a caller blocked on the future spins before it parks
   * @param <T> the pool's task type, which this task is
   */
  protected <T extends PoolTask<V>> PoolTask(
      String label, Duration timeout, Canceller<T> onCancel, Executor callbacks, long spinNanos) {
    this(label, timeout, onCancel, callbacks, spinNanos, null);
  }

  /**
   * @param spinHelp the help a caller about to spin on the future may give this task (see {@link
   *     TaskFuture}); null, or a null help, to only spin
   */
  @SuppressWarnings("unchecked") // a pool gives its tasks a canceller of their own type
  protected <T extends PoolTask<V>> PoolTask(
      String label,
      Duration timeout,
      Canceller<T> onCancel,
      Executor callbacks,
      long spinNanos,
      Function<T, SpinHelp> spinHelp) {
    this.label = label;
    this.timeout = timeout;
    T self = (T) this;
    // Called only once the caller holds the future, long after this constructor returned.
    this.future =
        new TaskFuture<>(
            interrupt -> onCancel.cancelled(self, interrupt),
            callbacks,
            spinNanos,
            spinHelp == null ? null : () -> spinHelp.apply(self));
  }

  /** Names the task in logs, events and messages. */
  public final String label() {
    return label;
  }

  /** Its deadline: its own, or its pool's {@code taskTimeout}. */
  public final Duration timeout() {
    return timeout;
  }

  /** The future its caller holds. */
  public final TaskFuture<V> future() {
    return future;
  }

  /** True the first time only: the task's one start. */
  public final boolean markStarted() {
    return started.compareAndSet(false, true);
  }

  /** True the first time only: the task's one end; {@link #letGo()} runs then. */
  public final boolean markEnded() {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    letGo();
    return true;
  }

  /** Drops what only a running task needs, so a caller who keeps the future keeps no more. */
  protected void letGo() {}
}
