package dev.stockade.internal.engine;

import dev.stockade.BreakerState;
import dev.stockade.EndReason;
import dev.stockade.PoolStatistics;
import dev.stockade.TaskOutcome;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A pool's running totals ({@link PoolStatistics}), kept with {@link LongAdder}s so that the
 * threads that start and settle tasks never contend on them, and the numbers tasks take. Nothing
 * here calls out: it is safe on any of the pool's threads.
 */
public final class PoolTally {
  private static final TaskOutcome[] OUTCOMES = TaskOutcome.values();
  private static final EndReason[] REASONS = EndReason.values();

  private final AtomicLong lastTaskId = new AtomicLong();
  private final LongAdder tasksStarted = new LongAdder();
  private final LongAdder queueWaitNanos = new LongAdder();
  private final LongAdder[] ended = adders(OUTCOMES.length);
  private final LongAdder[] startedEnded = adders(OUTCOMES.length);
  private final LongAdder[] runNanos = adders(OUTCOMES.length);
  private final LongAdder workersStarted = new LongAdder();
  private final LongAdder[] workersEnded = adders(REASONS.length);

  private static LongAdder[] adders(int n) {
    LongAdder[] adders = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      adders[i] = new LongAdder();
    }
    return adders;
  }

  /** The next task's number: 1, 2, 3… within the pool. */
  public long nextTaskId() {
    return lastTaskId.incrementAndGet();
  }

  /** A task started after waiting {@code waitNanos} since its submission. */
  public void taskStarted(long waitNanos) {
    tasksStarted.increment();
    queueWaitNanos.add(waitNanos);
  }

  /** A task ended with {@code outcome}; if it had started, after running {@code ranNanos}. */
  public void taskEnded(TaskOutcome outcome, boolean started, long ranNanos) {
    int i = outcome.ordinal();
    ended[i].increment();
    if (started) {
      startedEnded[i].increment();
      runNanos[i].add(ranNanos);
    }
  }

  /** A process tree started. */
  public void workerStarted() {
    workersStarted.increment();
  }

  /** A process tree ended, for {@code reason}. */
  public void workerEnded(EndReason reason) {
    workersEnded[reason.ordinal()].increment();
  }

  /** The totals now. Each is read on its own: they are not one atomic moment. */
  public PoolStatistics read(String poolName, Optional<BreakerState> breaker) {
    Map<TaskOutcome, Long> byOutcome = new EnumMap<>(TaskOutcome.class);
    Map<TaskOutcome, Long> startedByOutcome = new EnumMap<>(TaskOutcome.class);
    Map<TaskOutcome, Duration> runByOutcome = new EnumMap<>(TaskOutcome.class);
    for (TaskOutcome o : OUTCOMES) {
      byOutcome.put(o, ended[o.ordinal()].sum());
      startedByOutcome.put(o, startedEnded[o.ordinal()].sum());
      runByOutcome.put(o, Duration.ofNanos(runNanos[o.ordinal()].sum()));
    }
    Map<EndReason, Long> byReason = new EnumMap<>(EndReason.class);
    for (EndReason r : REASONS) {
      byReason.put(r, workersEnded[r.ordinal()].sum());
    }
    return new PoolStatistics(
        poolName,
        tasksStarted.sum(),
        Duration.ofNanos(queueWaitNanos.sum()),
        byOutcome,
        startedByOutcome,
        runByOutcome,
        workersStarted.sum(),
        byReason,
        breaker);
  }
}
