package dev.stockade.internal.engine;

import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.Uninterruptibly;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The threads of one pool: the spawner (one long-lived thread that starts every process), the
 * housekeeper (one tick per interval), a cached pool for I/O and teardowns, a timer for delayed
 * work, the {@link CallbackExecutor} for the caller's code, and the optional JVM shutdown hook.
 * Knows whether the current thread is one of them, since a pool must not wait for itself, and stops
 * them all once.
 */
public final class PoolThreads {
  private static final ThreadLocal<Boolean> POOL_THREAD = ThreadLocal.withInitial(() -> false);

  private final Spawner spawner;
  private final ExecutorService io;
  private final ScheduledExecutorService timer;
  private final Housekeeper housekeeper;
  private final Thread shutdownHook;
  private final CallbackExecutor callbacks;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final CountDownLatch allStopped = new CountDownLatch(1);

  /**
   * Starts the housekeeper and registers the shutdown hook.
   *
   * @param onJvmShutdown run by the shutdown hook, or null for none
   * @param callbacks where the caller's code runs; shut down with the rest if the pool owns it
   */
  public PoolThreads(
      String poolName,
      Duration sampleInterval,
      TagIndex tags,
      LongSupplier pidFloor,
      Consumer<ProcessTable> tick,
      Runnable onJvmShutdown,
      CallbackExecutor callbacks) {
    this.callbacks = callbacks;
    this.spawner = new Spawner(poolName);
    this.io =
        Executors.newCachedThreadPool(
            marked(DaemonThreads.numbered("stockade-" + poolName + "-io-")));
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            marked(DaemonThreads.named("stockade-" + poolName + "-timer")));
    this.housekeeper = new Housekeeper(poolName, sampleInterval, tags, pidFloor, tick);
    housekeeper.start();
    if (onJvmShutdown != null) {
      shutdownHook = new Thread(onJvmShutdown, "stockade-" + poolName + "-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } else {
      shutdownHook = null;
    }
  }

  private static ThreadFactory marked(ThreadFactory base) {
    return r ->
        base.newThread(
            () -> {
              POOL_THREAD.set(true);
              r.run();
            });
  }

  public Spawner spawner() {
    return spawner;
  }

  /** Where pipes are read, exits waited for and trees torn down. */
  public ExecutorService io() {
    return io;
  }

  /** The pool's one scheduled task, which samples and checks every tree. */
  public Housekeeper housekeeper() {
    return housekeeper;
  }

  public ScheduledExecutorService timer() {
    return timer;
  }

  /** Where the caller's code runs: future stages, listener events, health checks. */
  public CallbackExecutor callbacks() {
    return callbacks;
  }

  /** True on the I/O, timer or spawner threads of a pool (not only this one's). */
  public boolean isPoolThread() {
    return POOL_THREAD.get() || spawner.isCurrentThread();
  }

  /** True on an I/O or timer thread of a pool, where a teardown may run without a hand-off. */
  public static boolean isIoThread() {
    return POOL_THREAD.get();
  }

  public boolean isStopped() {
    return stopped.get();
  }

  /**
   * Waits up to {@code timeout} for {@link #stop()} to have finished: the last step of a pool's
   * close, so true means the pool is closed. False if the time ran out.
   */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return allStopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** True once {@link #stop()} has finished. */
  public boolean hasStopped() {
    return allStopped.getCount() == 0;
  }

  /**
   * Stops every thread and removes the shutdown hook. Runs once; a later call returns once the
   * first has finished (on a pool thread or the housekeeper's, at once: the first may be waiting
   * for that very thread), so every {@code close()} that returns — the caller's, and a drained
   * pool's own — leaves the pool terminated.
   */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      if (!isPoolThread() && !housekeeper.isCurrentThread()) {
        Uninterruptibly.await(allStopped);
      }
      return;
    }
    housekeeper.close();
    spawner.close();
    timer.shutdownNow();
    io.shutdown();
    callbacks.shutdown();
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the hook is running or will run; it finds the pool closed
      }
    }
    allStopped.countDown();
  }
}
