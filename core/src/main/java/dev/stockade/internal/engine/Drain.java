package dev.stockade.internal.engine;

import dev.stockade.PoolClosedException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's graceful close, the same for both pools: {@link #shutdown()} stops intake while the
 * tasks already accepted (running and queued) go on; once the last of them has ended, the pool
 * closes itself. {@link #close(Duration, PoolThreads)} drains up to a deadline, then has the pool
 * end whatever is left, whose futures then say they were cut off at the deadline.
 *
 * <p>The engine tells it which tasks it accepted ({@link #accepted}, under the pool's lock, after
 * it checked {@link #isShutdown()} under the same lock, so no task slips in after the shutdown) and
 * when each one ended ({@link #ended}). The engine's own {@code close()} does the ending; this
 * class decides when it runs and how the failures it causes read.
 */
public final class Drain {
  private static final Logger log = LoggerFactory.getLogger(Drain.class);

  /**
   * How long the JVM shutdown hook lets running tasks finish before it ends them: half of the 10 s
   * a container runtime gives a stopped container by default, so the hook, the teardown grace after
   * it and the rest of the application's exit fit before the runtime's SIGKILL.
   */
  public static final Duration SHUTDOWN_HOOK_DRAIN = Duration.ofSeconds(5);

  private final String poolName;
  private final ReentrantLock poolLock;
  private final Runnable closeNow;
  private final Runnable onShutdown;

  /** Tasks accepted and not yet ended: the drain is over when none is left. */
  private final Set<Object> unfinished = ConcurrentHashMap.newKeySet();

  private final AtomicBoolean selfClosing = new AtomicBoolean();
  private volatile boolean shutdown;

  /** The drain deadline that passed before close ended what was left; null if none did. */
  private volatile Duration cutOffAfter;

  /**
   * @param poolLock the engine's lock, under which it checks {@link #isShutdown()} and calls {@link
   *     #accepted}
   * @param closeNow the engine's {@code close()}: ends everything and waits for it
   * @param onShutdown run once, right after intake stopped (a worker pool retires its idle workers
   *     there)
   */
  public Drain(String poolName, ReentrantLock poolLock, Runnable closeNow, Runnable onShutdown) {
    this.poolName = poolName;
    this.poolLock = poolLock;
    this.closeNow = closeNow;
    this.onShutdown = onShutdown;
  }

  /** True once {@link #shutdown()} was called: no task is accepted any more. */
  public boolean isShutdown() {
    return shutdown;
  }

  /** The engine accepted {@code task}; called under the pool's lock, never after shutdown. */
  public void accepted(Object task) {
    unfinished.add(task);
  }

  /** {@code task} ended (a task that was never accepted is ignored). */
  public void ended(Object task) {
    if (unfinished.remove(task) && shutdown && unfinished.isEmpty()) {
      closeOnceDrained();
    }
  }

  /** Stops intake; accepted tasks go on. Idempotent. */
  public void shutdown() {
    poolLock.lock();
    try {
      if (shutdown) {
        return;
      }
      shutdown = true;
    } finally {
      poolLock.unlock();
    }
    log.info(
        "[{}] shut down: no new tasks; {} accepted tasks finish first",
        poolName,
        unfinished.size());
    onShutdown.run();
    if (unfinished.isEmpty()) {
      closeOnceDrained();
    }
  }

  /**
   * The drain is over: the pool closes itself on a thread of its own, since the thread that ended
   * the last task may be the caller's (a cancel) or one of the pool's, and neither may be made to
   * wait for the close.
   */
  private void closeOnceDrained() {
    if (!selfClosing.compareAndSet(false, true)) {
      return;
    }
    log.info("[{}] drained: every accepted task has ended; closing", poolName);
    Thread closer = new Thread(closeNow, "stockade-" + poolName + "-drained");
    closer.setDaemon(true);
    closer.start();
  }

  /**
   * Stops intake, waits up to {@code drainTimeout} for the accepted tasks, then has the pool end
   * what is left and waits for that. On one of the pool's own threads it does not wait (the pool
   * might need that very thread): the end of what is left is scheduled instead.
   *
   * @throws IllegalArgumentException if {@code drainTimeout} is negative, before anything stops
   */
  public void close(Duration drainTimeout, PoolThreads threads) {
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "drainTimeout must be >= 0, but was " + drainTimeout.toMillis() + " ms");
    }
    shutdown();
    if (threads.isPoolThread()) {
      try {
        Unawaited.schedule(
            threads.timer(),
            drainTimeout.toNanos(),
            TimeUnit.NANOSECONDS,
            poolName,
            "the drain's deadline",
            () -> cutOff(drainTimeout));
      } catch (RejectedExecutionException alreadyStopped) {
        // the pool is closed already
      }
      return;
    }
    boolean drained;
    try {
      drained = threads.awaitStopped(drainTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      drained = false;
    }
    if (!drained) {
      cutOff(drainTimeout);
    }
    closeNow.run();
  }

  private void cutOff(Duration drainTimeout) {
    if (unfinished.isEmpty()) {
      return; // drained just now; its own close is under way
    }
    cutOffAfter = drainTimeout;
    log.warn(
        "[{}] drain deadline of {} ms passed with {} tasks unfinished; ending them",
        poolName,
        drainTimeout.toMillis(),
        unfinished.size());
    closeNow.run();
  }

  /** The failure of a task submitted after {@link #shutdown()}. */
  public PoolClosedException refusedAfterShutdown(String label) {
    return new PoolClosedException(
        "task '"
            + label
            + "' refused after shutdown: pool '"
            + poolName
            + "' is shut down and takes no new tasks while it drains the ones it has");
  }

  /**
   * How the pool's close reads in the failure of a task it ended: {@code "was closed"}, or that it
   * was cut off by close after the drain deadline passed.
   */
  public String closedBy() {
    Duration deadline = cutOffAfter;
    return deadline == null
        ? "was closed"
        : "was closed once its drain deadline of "
            + deadline.toMillis()
            + " ms had passed (cut off by close)";
  }
}
