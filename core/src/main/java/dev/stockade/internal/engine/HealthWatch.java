package dev.stockade.internal.engine;

import dev.stockade.HealthEvent;
import dev.stockade.HealthStatus;
import dev.stockade.PoolHealth;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at the pool's health once every sample interval and tells the listener when its problems
 * change. It runs on the pool's timer thread, not the housekeeper's: reading the lifeline may wait
 * while a watchdog starts, which must not delay a sample. A pool is taken to start up.
 */
final class HealthWatch {
  private static final Logger log = LoggerFactory.getLogger(HealthWatch.class);

  private final String poolName;
  private final Supplier<PoolHealth> health;
  private final Events events;

  /** The health at the last look; touched only on the timer thread. */
  private PoolHealth last;

  HealthWatch(String poolName, Supplier<PoolHealth> health, Events events) {
    this.poolName = poolName;
    this.health = health;
    this.events = events;
    this.last = new PoolHealth(poolName, Map.of());
  }

  void start(ScheduledExecutorService timer, Duration every) {
    long nanos = every.toNanos();
    var unused = timer.scheduleWithFixedDelay(this::look, nanos, nanos, TimeUnit.NANOSECONDS);
  }

  private void look() {
    try {
      PoolHealth now = health.get();
      PoolHealth before = last;
      if (before.problems().keySet().equals(now.problems().keySet())) {
        return;
      }
      last = now;
      if (now.status() == HealthStatus.DOWN) {
        log.warn("[{}] health: {}", poolName, now);
      } else if (before.status() == HealthStatus.DOWN) {
        log.info("[{}] health: {}", poolName, now);
      } else {
        log.debug("[{}] health: {}", poolName, now);
      }
      events.fire(l -> l.healthChanged(new HealthEvent(poolName, before, now)));
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again: keep looking.
      log.warn("[{}] could not read the pool's health", poolName, e);
    }
  }
}
