package dev.stockade.spring.internal;

import dev.stockade.ProcessPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Closes the starter's pools in Spring's shutdown: in a phase that stops after the web server's
 * graceful shutdown has drained its requests and after the web server stopped, each pool is closed
 * with {@link ProcessPool#close(Duration)}, all in parallel, so running and queued tasks finish for
 * up to {@code spring.lifecycle.timeout-per-shutdown-phase} less a margin, and the pool ends what
 * is left itself before Spring stops waiting.
 */
public final class PoolsLifecycle implements SmartLifecycle {
  /**
   * 1024 below Boot's web server start/stop phase ({@code
   * WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE}, itself 1024 below its graceful
   * shutdown's): stopped after both, started before both.
   */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 3 * 1024;

  private static final Logger log = LoggerFactory.getLogger(PoolsLifecycle.class);

  private final ListableBeanFactory beanFactory;
  private final List<String> poolNames;
  private final Duration drain;
  private volatile boolean running;

  /**
   * A lifecycle for the named pools.
   *
   * @param beanFactory where the pools' beans are
   * @param poolNames the pools' bean names
   * @param phaseTimeout {@code spring.lifecycle.timeout-per-shutdown-phase}
   */
  public PoolsLifecycle(
      ListableBeanFactory beanFactory, List<String> poolNames, Duration phaseTimeout) {
    this.beanFactory = beanFactory;
    this.poolNames = List.copyOf(poolNames);
    this.drain = drainTimeout(phaseTimeout);
  }

  /**
   * How long each pool drains: the phase's timeout less a tenth of it, at most 1 s less.
   *
   * @param phaseTimeout the longest Spring waits for the phase
   * @return the drain timeout given to {@link ProcessPool#close(Duration)}
   */
  static Duration drainTimeout(Duration phaseTimeout) {
    Duration margin = phaseTimeout.dividedBy(10);
    if (margin.compareTo(Duration.ofSeconds(1)) > 0) {
      margin = Duration.ofSeconds(1);
    }
    Duration drain = phaseTimeout.minus(margin);
    return drain.isNegative() ? Duration.ZERO : drain;
  }

  /**
   * The drain timeout each pool is closed with.
   *
   * @return the drain timeout
   */
  public Duration drainTimeout() {
    return drain;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    CountDownLatch closed = new CountDownLatch(1);
    stop(closed::countDown);
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void stop(Runnable callback) {
    running = false;
    List<ProcessPool> pools = new ArrayList<>();
    for (String name : poolNames) {
      pools.add(beanFactory.getBean(name, ProcessPool.class));
    }
    if (pools.isEmpty()) {
      callback.run();
      return;
    }
    AtomicInteger left = new AtomicInteger(pools.size());
    List<Thread> closers = new ArrayList<>();
    for (ProcessPool pool : pools) {
      Thread closer =
          new Thread(
              () -> {
                try {
                  log.info("Closing pool '{}', draining for up to {}", pool.name(), drain);
                  pool.close(drain);
                } catch (RuntimeException e) {
                  log.warn("Closing pool '{}' failed", pool.name(), e);
                } finally {
                  if (left.decrementAndGet() == 0) {
                    callback.run();
                  }
                }
              },
              "stockade-close-" + pool.name());
      closer.setDaemon(true);
      closers.add(closer);
    }
    closers.forEach(Thread::start);
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
