package dev.stockade.internal.engine;

import dev.stockade.TaskOutcome;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A task as the engine sees it, whichever pool runs it: its number and label, the future its caller
 * holds, and its one start and one end as the pool's tally and listener hear them, however many
 * attempts it takes. Its outcome is tallied on the thread that settles the future, before the
 * caller can see it.
 *
 * @param <V> what its future completes with
 */
public abstract class PoolTask<V> {
  /** Told when a caller cancels a task's future: the pool drops the task or stops its work. */
  @FunctionalInterface
  public interface Canceller<T> {
    void cancelled(T task, boolean mayInterruptIfRunning);
  }

  private static final long NOT_STARTED = Long.MIN_VALUE;

  private final long id;
  private final String label;
  private final Duration timeout;
  private final PoolTally tally;
  private final long submittedNanos = System.nanoTime();
  private final TaskFuture<V> future;

  /** The {@link System#nanoTime()} of its start, or {@link #NOT_STARTED}. */
  private final AtomicLong startedNanos = new AtomicLong(NOT_STARTED);

  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile TaskOutcome outcome;
  private volatile long queueWaitNanos;

  /**
   * @param timeout the task's effective deadline
   * @param tally its pool's totals, which give it its number and count its start and end
   * @param onCancel its pool, told when the future is cancelled
   * @param callbacks where the future's dependent stages run
   * @param spinNanos how long a caller blocked on the future spins before it parks
   * @param <T> the pool's task type, which this task is
   */
  protected <T extends PoolTask<V>> PoolTask(
      String label,
      Duration timeout,
      PoolTally tally,
      Canceller<T> onCancel,
      Executor callbacks,
      long spinNanos) {
    this(label, timeout, tally, onCancel, callbacks, spinNanos, null);
  }

  /**
   * @param spinHelp the help a caller about to spin on the future may give this task (see {@link
   *     TaskFuture}); null, or a null help, to only spin
   */
  @SuppressWarnings("unchecked") // a pool gives its tasks a canceller of their own type
  protected <T extends PoolTask<V>> PoolTask(
      String label,
      Duration timeout,
      PoolTally tally,
      Canceller<T> onCancel,
      Executor callbacks,
      long spinNanos,
      Function<T, SpinHelp> spinHelp) {
    this.id = tally.nextTaskId();
    this.label = label;
    this.timeout = timeout;
    this.tally = tally;
    T self = (T) this;
    // Called only once the caller holds the future, long after this constructor returned.
    this.future =
        new TaskFuture<>(
            interrupt -> onCancel.cancelled(self, interrupt),
            callbacks,
            spinNanos,
            spinHelp == null ? null : () -> spinHelp.apply(self),
            this::settling);
  }

  /** Its number, unique within its pool. */
  public final long id() {
    return id;
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

  /** True the first time only: the task's one start, tallied with its wait in the queue. */
  public final boolean markStarted() {
    return markStarted(System.nanoTime());
  }

  /**
   * {@link #markStarted()} for a task that began at {@code startNanos} (a {@link System#nanoTime()}
   * of the past): a command, whose tree's launch is its start, as its deadline counts.
   */
  public final boolean markStarted(long startNanos) {
    if (!startedNanos.compareAndSet(NOT_STARTED, startNanos)) {
      return false;
    }
    queueWaitNanos = startNanos - submittedNanos;
    tally.taskStarted(queueWaitNanos);
    return true;
  }

  /** How long it waited between submission and its start; zero if it has not started. */
  public final Duration queueWait() {
    return Duration.ofNanos(queueWaitNanos);
  }

  /** How it ended, once its future is settled; null before. */
  public final TaskOutcome outcome() {
    return outcome;
  }

  /** Tallies the outcome the future is about to show, on the thread that settles it. */
  private void settling(Throwable failure) {
    long started = startedNanos.get();
    boolean hadStarted = started != NOT_STARTED;
    TaskOutcome o = TaskOutcomes.of(failure, hadStarted);
    outcome = o;
    tally.taskEnded(o, hadStarted, hadStarted ? System.nanoTime() - started : 0);
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
