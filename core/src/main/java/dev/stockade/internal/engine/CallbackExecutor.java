package dev.stockade.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a pool runs its caller's code: the dependent stages of the futures it returns, listener
 * events and health checks — never on the threads that read workers, reap processes or keep time,
 * where a slow or blocking callback would stall them.
 *
 * <p>By default the pool owns it: up to {@code threads} daemon threads named {@code
 * stockade-<pool>-callback-N}, started on demand and ended after {@value #IDLE_SECONDS} s idle, in
 * front of a FIFO queue. The queue needs no bound of its own: each task future is published once,
 * and the pool admits a bounded number of tasks. A caller may give an executor of its own instead;
 * the pool never shuts that one down.
 *
 * <p>An executor that refuses work (shut down, saturated) does not lose it: the work runs on a new
 * short-lived thread, never on the pool thread that handed it over, and the refusal is logged once.
 * A caller's executor that runs work on the thread that hands it over (a "direct" executor such as
 * {@code Runnable::run}) would put the caller's code on the pool's readers and on the caller's own
 * calls into the pool: such work is caught as it starts and moved to threads of the pool's own, and
 * the misconfiguration is logged once at ERROR.
 *
 * <p>A pool thread that settles many tasks in a row — the reader of a worker that answers a burst
 * of pipelined tasks — may {@linkplain #holdOnThisThread hold} what it hands over and {@linkplain
 * #flushThisThread pass it on in one piece} before it blocks again: one wake-up of a callback
 * thread per burst instead of one per task, which on a small machine is most of what a hand-off
 * costs.
 */
public final class CallbackExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(CallbackExecutor.class);
  static final long IDLE_SECONDS = 30;

  private final String poolName;
  private final Executor delegate;
  private final ThreadPoolExecutor owned;
  private final ThreadFactory lateThreads;
  private final AtomicBoolean refusalLogged = new AtomicBoolean();
  private final AtomicBoolean inlineLogged = new AtomicBoolean();

  /** Where work goes that a caller's executor tried to run inline; made on first need. */
  private volatile ThreadPoolExecutor rescue;

  /** True on a thread while it hands work to a caller's executor. */
  private static final ThreadLocal<Boolean> HANDING_OVER = ThreadLocal.withInitial(() -> false);

  /** Work held by the current thread until it flushes; absent where nothing is held. */
  // One per executor on purpose: a thread holds work for each pool's executor apart.
  @SuppressWarnings("ThreadLocalUsage")
  private final ThreadLocal<List<Runnable>> held = new ThreadLocal<>();

  private CallbackExecutor(String poolName, Executor delegate, ThreadPoolExecutor owned) {
    this.poolName = poolName;
    this.delegate = delegate;
    this.owned = owned;
    this.lateThreads = DaemonThreads.numbered("stockade-" + poolName + "-callback-late-");
  }

  /** The pool's own executor of at most {@code threads} threads. */
  public static CallbackExecutor owned(String poolName, int threads) {
    ThreadPoolExecutor executor = newOwnedExecutor(poolName, threads, "-callback-");
    return new CallbackExecutor(poolName, executor, executor);
  }

  private static ThreadPoolExecutor newOwnedExecutor(String poolName, int threads, String suffix) {
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            IDLE_SECONDS,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            DaemonThreads.numbered("stockade-" + poolName + suffix));
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /** The caller's executor. */
  public static CallbackExecutor of(String poolName, Executor executor) {
    return new CallbackExecutor(poolName, executor, null);
  }

  /** The caller's executor if given one, else the pool's own, sized for its workers. */
  public static CallbackExecutor forPool(
      String poolName, Optional<Executor> callersExecutor, int workers) {
    return callersExecutor
        .map(e -> of(poolName, e))
        .orElseGet(() -> owned(poolName, defaultThreads(workers)));
  }

  /** The default bound for a pool of {@code workers} workers. */
  public static int defaultThreads(int workers) {
    return Math.max(2, workers);
  }

  @Override
  public void execute(Runnable work) {
    List<Runnable> batch = held.get();
    if (batch != null) {
      batch.add(work);
      return;
    }
    submit(work);
  }

  /** From now on, work this thread hands over waits for {@link #flushThisThread}. */
  public void holdOnThisThread() {
    if (held.get() == null) {
      held.set(new ArrayList<>());
    }
  }

  /** Passes on what this thread holds, in one piece, in the order it was handed over. */
  public void flushThisThread() {
    List<Runnable> batch = held.get();
    if (batch == null || batch.isEmpty()) {
      return;
    }
    if (batch.size() == 1) {
      submit(batch.remove(0));
      return;
    }
    Runnable[] work = batch.toArray(new Runnable[0]);
    batch.clear();
    submit(
        () -> {
          for (Runnable w : work) {
            try {
              w.run();
            } catch (Throwable t) {
              log.warn("[{}] callback work threw", poolName, t);
            }
          }
        });
  }

  /** Flushes, and stops holding on this thread. */
  public void releaseThisThread() {
    flushThisThread();
    held.remove();
  }

  private void submit(Runnable work) {
    if (owned != null) {
      handOver(work);
      return;
    }
    boolean outer = HANDING_OVER.get();
    HANDING_OVER.set(true);
    try {
      handOver(
          () -> {
            if (HANDING_OVER.get()) {
              rescue(work); // run by the executor on the very thread that handed it over
            } else {
              work.run();
            }
          });
    } finally {
      HANDING_OVER.set(outer);
    }
  }

  private void handOver(Runnable work) {
    try {
      delegate.execute(work);
    } catch (Throwable refused) {
      boolean afterClose = owned != null && owned.isShutdown();
      if (!afterClose && refusalLogged.compareAndSet(false, true)) {
        log.warn(
            "[{}] the callback executor refused work ({}); running it on a thread of its "
                + "own instead (logged once)",
            poolName,
            refused.toString());
      }
      lateThreads.newThread(work).start();
    }
  }

  /** Runs work that a caller's executor would have run inline on threads of the pool's own. */
  private void rescue(Runnable work) {
    if (inlineLogged.compareAndSet(false, true)) {
      log.error(
          "[{}] the callbackExecutor runs work on the thread that hands it over; the "
              + "caller's code would run on the pool's own threads, so it runs on threads of the "
              + "pool's instead (logged once): give an executor with threads of its own",
          poolName);
    }
    ThreadPoolExecutor executor = rescue;
    if (executor == null) {
      synchronized (this) {
        if (rescue == null) {
          rescue = newOwnedExecutor(poolName, 2, "-callback-rescued-");
        }
        executor = rescue;
      }
    }
    try {
      executor.execute(work);
    } catch (RejectedExecutionException afterShutdown) {
      lateThreads.newThread(work).start();
    }
  }

  /** Lets queued work finish, then ends the pool's own threads; a caller's executor is kept. */
  public void shutdown() {
    if (owned != null) {
      owned.shutdown();
    }
    ThreadPoolExecutor executor = rescue;
    if (executor != null) {
      executor.shutdown();
    }
  }
}
