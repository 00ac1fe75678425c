package dev.stockade;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * A pool's running totals since it was built, for metrics ({@code stockade-micrometer} reads them)
 * and for anyone who keeps their own. Immutable; every map has every key of its enum, zero
 * included.
 *
 * <p><b>Consistency with the futures.</b> A task is counted in {@link #tasksEnded()} and {@link
 * #runTimeTotal()} before its future completes: a caller whose {@code get()} has returned or thrown
 * finds its task counted in any {@code statistics()} read after that. (The {@link PoolListener}'s
 * events, which run user code, come later, on the callback executor.) A task started is counted in
 * {@link #tasksStarted()} and {@link #queueWaitTotal()} before it reaches its worker; a tree's
 * start and end are counted when the pool records them, which for an end may be a moment after the
 * futures of the tree's tasks completed.
 *
 * @param poolName the pool's name
 * @param tasksStarted tasks that reached a worker or a tree (a task retried after a crash counts
 *     once)
 * @param queueWaitTotal the time those tasks waited between submission and their start, summed
 * @param tasksEnded every ended task by its outcome, started or not
 * @param startedTasksEnded the ended tasks that had started, by outcome
 * @param runTimeTotal the time from start to end of those started tasks, summed by outcome
 * @param workersStarted process trees started: workers of a {@link WorkerPool}, one per command of
 *     a {@link CommandPool}
 * @param workersEnded process trees ended, by why
 * @param breaker the state of a {@link WorkerPool}'s circuit breaker over starts; empty for a
 *     {@link CommandPool}, which has none
 */
public record PoolStatistics(
    String poolName,
    long tasksStarted,
    Duration queueWaitTotal,
    Map<TaskOutcome, Long> tasksEnded,
    Map<TaskOutcome, Long> startedTasksEnded,
    Map<TaskOutcome, Duration> runTimeTotal,
    long workersStarted,
    Map<EndReason, Long> workersEnded,
    Optional<BreakerState> breaker) {

  /**
   * Statistics; every map is copied and must have every key of its enum.
   *
   * @param poolName the pool's name
   * @param tasksStarted tasks that reached a worker or a tree
   * @param queueWaitTotal the time those tasks waited between submission and their start, summed
   * @param tasksEnded every ended task by its outcome
   * @param startedTasksEnded the ended tasks that had started, by outcome
   * @param runTimeTotal the time from start to end of those started tasks, summed by outcome
   * @param workersStarted process trees started
   * @param workersEnded process trees ended, by why
   * @param breaker the state of a {@link WorkerPool}'s circuit breaker; empty for a {@link
   *     CommandPool}
   * @throws IllegalArgumentException if a map lacks a key
   */
  public PoolStatistics {
    tasksEnded = complete(tasksEnded, TaskOutcome.class, "tasksEnded");
    startedTasksEnded = complete(startedTasksEnded, TaskOutcome.class, "startedTasksEnded");
    runTimeTotal = complete(runTimeTotal, TaskOutcome.class, "runTimeTotal");
    workersEnded = complete(workersEnded, EndReason.class, "workersEnded");
  }

  private static <K extends Enum<K>, V> Map<K, V> complete(
      Map<K, V> given, Class<K> keys, String name) {
    EnumMap<K, V> copy = new EnumMap<>(keys);
    copy.putAll(given);
    if (copy.size() != keys.getEnumConstants().length) {
      throw new IllegalArgumentException(
          name + " must have a value for every " + keys.getSimpleName() + ", has " + copy.keySet());
    }
    return Collections.unmodifiableMap(copy);
  }

  /**
   * Every ended task, whatever its outcome.
   *
   * @return the sum of {@link #tasksEnded()}
   */
  public long tasksEndedInAll() {
    return tasksEnded.values().stream().mapToLong(Long::longValue).sum();
  }
}
