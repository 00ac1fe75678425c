package dev.stockade.internal.workers;

import dev.stockade.CgroupMode;
import dev.stockade.HealthCheck;
import dev.stockade.MemoryAccounting;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.TaskOptions;
import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.engine.PoolTally;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** Settings, tasks and lives for the decisions' unit tests: no process, no clock. */
final class WorkerFixtures {
  static final long SECOND = 1_000_000_000L;

  /** An arbitrary instant: the judge only ever subtracts times. */
  static final long T0 = 5_000 * SECOND;

  private WorkerFixtures() {}

  /**
   * Settings of a pool with round numbers: soft memory limit 100 MiB, health checks every 30 s
   * (timeout 5 s, 3 failures retire), idle timeout 60 s over minIdle 1, cancel grace 5 s, progress
   * timeout 20 s.
   */
  static WorkerPoolSettings settings(Optional<HealthCheck> probe) {
    PoolSettings common =
        new PoolSettings(
            "judged",
            4,
            10,
            Optional.empty(),
            Duration.ofMinutes(10),
            MemorySize.ofMebibytes(200),
            1024,
            CgroupMode.NONE,
            MemorySize.ZERO,
            MemoryPressurePolicy.QUEUE,
            MemoryAccounting.RSS_SCREENED_PSS,
            Duration.ofMillis(250),
            Duration.ofSeconds(5),
            Optional.empty(),
            false,
            Optional.empty());
    return new WorkerPoolSettings(
        common,
        new WorkerPoolSettings.Launch(List.of("true"), Map.of(), null, "judged", null),
        1,
        1,
        1 << 20,
        WorkerPoolSettings.DEFAULT_WAIT_SPIN,
        new WorkerPoolSettings.Liveness(
            Duration.ofSeconds(30),
            Duration.ofSeconds(1),
            Duration.ofSeconds(10),
            Optional.of(Duration.ofSeconds(20)),
            Duration.ofSeconds(30),
            Duration.ofSeconds(5),
            3,
            probe,
            Duration.ofSeconds(5)),
        new WorkerPoolSettings.Recycling(
            MemorySize.ofMebibytes(100),
            OptionalInt.empty(),
            Optional.empty(),
            0,
            Duration.ofSeconds(60)),
        new WorkerPoolSettings.Restarts(
            Duration.ofMillis(200), Duration.ofSeconds(30), 5, Duration.ofSeconds(30), 3));
  }

  /** A life that started at {@link #T0} and said HELLO at once. */
  static WorkerLife servingLife(long maxTasks, long maxAgeNanos) {
    WorkerLife life = new WorkerLife(T0, maxTasks, maxAgeNanos);
    life.saidHello(T0);
    return life;
  }

  static WorkerLife servingLife() {
    return servingLife(Long.MAX_VALUE, Long.MAX_VALUE);
  }

  /** A task with {@code timeout}, that nothing settles. */
  static WorkerTask task(Duration timeout) {
    return new WorkerTask(
        new byte[0],
        TaskOptions.defaults(),
        timeout,
        payload -> payload,
        null,
        1,
        null,
        new PoolTally(),
        (task, interrupt) -> {},
        Runnable::run,
        0);
  }

  /** Gives {@code life} a running task, started at {@code startNanos}. */
  static Attempt running(WorkerLife life, Duration timeout, long startNanos) {
    Attempt attempt = new Attempt(1, task(timeout), startNanos);
    life.inFlight.addLast(attempt);
    return attempt;
  }
}
