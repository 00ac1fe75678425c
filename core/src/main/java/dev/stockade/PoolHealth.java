package dev.stockade;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A pool's health at one moment, for a readiness probe or a health endpoint: its problems, each
 * with a message that says what was seen, and the status they bring together ({@link
 * HealthStatus#UP} when there is none, else the worst {@link HealthProblem#severity()}). Immutable.
 *
 * @param poolName the pool's name
 * @param problems every problem found, with its message; empty when the pool is up
 */
public record PoolHealth(String poolName, Map<HealthProblem, String> problems) {
  /**
   * A health report; {@code problems} is copied.
   *
   * @param poolName the pool's name
   * @param problems every problem found, with its message
   */
  public PoolHealth {
    Objects.requireNonNull(poolName, "poolName");
    EnumMap<HealthProblem, String> copy = new EnumMap<>(HealthProblem.class);
    copy.putAll(problems);
    problems = Collections.unmodifiableMap(copy);
  }

  /**
   * The worst severity among the problems; {@link HealthStatus#UP} when there is none.
   *
   * @return the pool's status
   */
  public HealthStatus status() {
    HealthStatus worst = HealthStatus.UP;
    for (HealthProblem p : problems.keySet()) {
      if (p.severity().compareTo(worst) > 0) {
        worst = p.severity();
      }
    }
    return worst;
  }

  /**
   * {@code "DEGRADED: SATURATED (every worker is busy and the queue is full …)"}, for logs.
   *
   * @return the status and each problem with its message, in one line
   */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("pool '").append(poolName).append("' ").append(status());
    String sep = ": ";
    for (Map.Entry<HealthProblem, String> p : problems.entrySet()) {
      text.append(sep).append(p.getKey()).append(" (").append(p.getValue()).append(')');
      sep = "; ";
    }
    return text.toString();
  }
}
