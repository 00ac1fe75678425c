package dev.stockade.spring.internal;

import dev.stockade.HealthProblem;
import dev.stockade.HealthStatus;
import dev.stockade.PoolHealth;
import dev.stockade.PoolSnapshot;
import dev.stockade.ProcessPool;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * A pool's {@link ProcessPool#health()} as Actuator health: {@code DOWN} as {@link Status#DOWN},
 * {@code UP} and {@code DEGRADED} as {@link Status#UP} (a saturated pool still serves, so it must
 * not fail a readiness probe), with the details {@code status} (the pool's own: UP, DEGRADED or
 * DOWN), {@code problems} (each problem's code and message), {@code activeWorkers}, {@code
 * maxWorkers}, {@code queuedTasks} and {@code queueCapacity}.
 */
public final class PoolHealthIndicator implements HealthIndicator {
  private final Supplier<ProcessPool> pool;

  /**
   * An indicator for a pool, looked up each time health is read.
   *
   * @param pool the pool
   */
  public PoolHealthIndicator(Supplier<ProcessPool> pool) {
    this.pool = pool;
  }

  @Override
  public Health health() {
    ProcessPool p = pool.get();
    PoolHealth health = p.health();
    PoolSnapshot snapshot = p.snapshot();
    Map<String, String> problems = new LinkedHashMap<>();
    for (Map.Entry<HealthProblem, String> problem : health.problems().entrySet()) {
      problems.put(problem.getKey().name(), problem.getValue());
    }
    Health.Builder builder = health.status() == HealthStatus.DOWN ? Health.down() : Health.up();
    return builder
        .withDetail("status", health.status().name())
        .withDetail("problems", problems)
        .withDetail("activeWorkers", snapshot.activeWorkers())
        .withDetail("maxWorkers", snapshot.maxWorkers())
        .withDetail("queuedTasks", snapshot.queuedTasks())
        .withDetail("queueCapacity", snapshot.queueCapacity())
        .build();
  }
}
