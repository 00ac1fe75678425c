package dev.stockade.internal.engine;

import dev.stockade.internal.os.ProcessCensus;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TagIndex;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one scheduled task of a pool: every interval it hands the pool a view of the process table —
 * from the lowest pid any of its trees can have, each process read at most once, and only those the
 * trees ask for ({@link ProcessCensus}) — from which the pool samples every tree. No thread per
 * worker. It notices when it was starved (a tick came far later than planned) and says so, because
 * a late tick means late limits and deadlines.
 */
public final class Housekeeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Housekeeper.class);
  private static final long STARVATION_WARNING_GAP_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final String poolName;
  private final long intervalNanos;
  private final LongSupplier pidFloor;
  private final Consumer<ProcessTable> tick;
  private final ScheduledExecutorService scheduler;
  private volatile Thread thread;
  private final ProcessCensus census;
  private long lastTickNanos;
  private long lastStarvationWarningNanos = -STARVATION_WARNING_GAP_NANOS;

  /**
   * @param pidFloor the lowest pid any supervised tree can have, or {@code Long.MAX_VALUE} when
   *     there is no tree (then the tick reads nothing)
   */
  public Housekeeper(
      String poolName,
      Duration interval,
      TagIndex tags,
      LongSupplier pidFloor,
      Consumer<ProcessTable> tick) {
    this.poolName = poolName;
    this.intervalNanos = interval.toNanos();
    this.census = new ProcessCensus(tags);
    this.pidFloor = pidFloor;
    this.tick = tick;
    ThreadFactory named = DaemonThreads.named("stockade-" + poolName + "-housekeeper");
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = named.newThread(r);
              thread = t;
              return t;
            });
  }

  /** True on this housekeeper's own thread. */
  public boolean isCurrentThread() {
    return Thread.currentThread() == thread;
  }

  public void start() {
    lastTickNanos = System.nanoTime();
    // Fixed delay: a slow tick postpones the next instead of bunching the missed ones together.
    // run() catches its own failures, so this future never holds one; close() ends the ticks.
    var unused =
        scheduler.scheduleWithFixedDelay(
            this::run, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Runs one tick now on the housekeeper's own thread, after the tick in progress if any, and
   * returns once it has ended; the scheduled ticks go on as before. For the benchmark of one tick:
   * the pool never calls it.
   *
   * @throws java.util.concurrent.RejectedExecutionException once the housekeeper is closed
   */
  public void tickNow() {
    try {
      scheduler.submit(this::run).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the tick failed", e.getCause()); // run() catches its own
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the tick", e);
    }
  }

  private void run() {
    try (LogContext ignored = LogContext.pool(poolName)) {
      tickOnce();
    }
  }

  private void tickOnce() {
    long now = System.nanoTime();
    long gap = now - lastTickNanos;
    lastTickNanos = now;
    if (gap > 3 * intervalNanos
        && now - lastStarvationWarningNanos > STARVATION_WARNING_GAP_NANOS) {
      lastStarvationWarningNanos = now;
      log.warn(
          "[{}] housekeeper ran {} ms after the previous tick instead of {} ms: the machine "
              + "or the JVM is starved, and limits and deadlines are checked late",
          poolName,
          gap / 1_000_000,
          intervalNanos / 1_000_000);
    }
    try {
      long floor = pidFloor.getAsLong();
      if (floor == Long.MAX_VALUE) {
        census.idle(); // no tree to watch: hold no descriptors while idle
        return;
      }
      tick.accept(census.tick(floor));
    } catch (RuntimeException | Error e) {
      // An exception would cancel every later tick; one bad tick must not end supervision.
      log.error("[{}] housekeeper tick failed", poolName, e);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      if (scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
        // The tick thread is gone; the descriptors it held can be closed here.
        census.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
