package dev.stockade.internal.workers;

import static dev.stockade.internal.engine.SettingRules.require;

import dev.stockade.MemorySize;
import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.engine.SettingRules;
import java.time.Duration;

/**
 * The rules of a worker pool's own settings, one method per group of {@link WorkerPoolSettings},
 * each failure reported as {@code "<setting> must be <constraint>, but was <value>"} under the
 * builder's setting name. The builder applies them after the settings both pools share, so the
 * sample interval and the memory limit they are measured against are already known to be sound.
 */
public final class WorkerSettingRules {
  private static final long PAGE = PoolSettings.MIN_MEMORY_LIMIT_BYTES;

  private WorkerSettingRules() {}

  /**
   * {@code liveness}, once every duration in it is one the housekeeper can resolve.
   *
   * @throws IllegalArgumentException naming the first setting out of range
   */
  public static WorkerPoolSettings.Liveness checked(
      WorkerPoolSettings.Liveness liveness, Duration sampleInterval) {
    // First, so that no rule below computes with a duration its arithmetic cannot hold.
    SettingRules.requireAtMostLongest(liveness.heartbeatTimeout(), "heartbeatTimeout");
    liveness
        .progressTimeout()
        .ifPresent(t -> SettingRules.requireAtMostLongest(t, "progressTimeout"));
    SettingRules.requireAtMostLongest(liveness.healthCheckInterval(), "healthCheckInterval");
    SettingRules.requireAtMostLongest(liveness.healthCheckTimeout(), "healthCheckTimeout");
    SettingRules.requireBetween(
        liveness.startTimeout(), sampleInterval, Duration.ofMinutes(10), "startTimeout");
    Duration heartbeat = liveness.heartbeatInterval();
    SettingRules.requireBetween(
        heartbeat, Duration.ofMillis(10), Duration.ofMinutes(1), "heartbeatInterval");
    require(
        liveness.heartbeatTimeout().compareTo(heartbeat.multipliedBy(2)) >= 0
            && liveness.heartbeatTimeout().compareTo(sampleInterval) >= 0,
        "heartbeatTimeout",
        ">= twice heartbeatInterval (" + heartbeat.toMillis() + " ms) and >= sampleInterval",
        liveness.heartbeatTimeout());
    liveness.progressTimeout().ifPresent(t -> requireAtLeast(sampleInterval, t, "progressTimeout"));
    requireAtLeast(sampleInterval, liveness.healthCheckInterval(), "healthCheckInterval");
    requireAtLeast(sampleInterval, liveness.healthCheckTimeout(), "healthCheckTimeout");
    require(
        liveness.healthCheckFailures() >= 1,
        "healthCheckFailures",
        ">= 1",
        liveness.healthCheckFailures());
    SettingRules.requireBetween(
        liveness.cancelGrace(), Duration.ZERO, Duration.ofMinutes(5), "cancelGrace");
    return liveness;
  }

  /**
   * {@code recycling}, once its limits are ones a worker can reach before its hard limit and the
   * housekeeper can resolve.
   *
   * @throws IllegalArgumentException naming the first setting out of range
   */
  public static WorkerPoolSettings.Recycling checked(
      WorkerPoolSettings.Recycling recycling, MemorySize memoryLimit, Duration sampleInterval) {
    recycling.maxWorkerAge().ifPresent(a -> SettingRules.requireAtMostLongest(a, "maxWorkerAge"));
    SettingRules.requireAtMostLongest(recycling.idleTimeout(), "idleTimeout");
    MemorySize soft = recycling.softMemoryLimit();
    require(
        soft.toBytes() >= PAGE && soft.compareTo(memoryLimit) < 0,
        "softMemoryLimit",
        "at least one page and below memoryLimit (" + memoryLimit + ")",
        soft);
    recycling
        .maxTasksPerWorker()
        .ifPresent(
            tasks ->
                require(
                    tasks >= 1, "maxTasksPerWorker", ">= 1 (leave it unset for no limit)", tasks));
    recycling.maxWorkerAge().ifPresent(a -> requireAtLeast(sampleInterval, a, "maxWorkerAge"));
    require(
        recycling.recycleJitter() >= 0 && recycling.recycleJitter() <= 0.5,
        "recycleJitter",
        "between 0 and 0.5",
        recycling.recycleJitter());
    requireAtLeast(sampleInterval, recycling.idleTimeout(), "idleTimeout");
    return recycling;
  }

  /**
   * {@code restarts}, once its pauses and counts are within their bounds.
   *
   * @throws IllegalArgumentException naming the first setting out of range
   */
  public static WorkerPoolSettings.Restarts checked(WorkerPoolSettings.Restarts restarts) {
    Duration initial = restarts.backoffInitial();
    Duration max = restarts.backoffMax();
    require(
        !initial.isNegative() && !initial.isZero() && initial.compareTo(max) <= 0,
        "restartBackoff",
        "a positive initial pause no longer than the largest one",
        SettingRules.shown(initial) + ".." + SettingRules.shown(max));
    require(
        max.compareTo(Duration.ofHours(1)) <= 0,
        "restartBackoff",
        "at most 1 hour for the largest pause",
        max);
    require(
        restarts.startFailureThreshold() >= 1 && restarts.startFailureThreshold() <= 100,
        "startFailureThreshold",
        "between 1 and 100",
        restarts.startFailureThreshold());
    SettingRules.requireBetween(
        restarts.circuitOpenDuration(),
        Duration.ofMillis(100),
        Duration.ofHours(1),
        "circuitOpenDuration");
    require(
        restarts.retryAttempts() >= 1 && restarts.retryAttempts() <= 10,
        "retryAttempts",
        "between 1 and 10",
        restarts.retryAttempts());
    return restarts;
  }

  private static void requireAtLeast(Duration sampleInterval, Duration value, String setting) {
    require(
        value.compareTo(sampleInterval) >= 0,
        setting,
        ">= sampleInterval (" + sampleInterval.toMillis() + " ms)",
        value);
  }
}
