package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pool's running totals: each task counted once by its outcome, before its caller can see the
 * future complete; the time tasks waited and ran; trees started and ended by reason; the breaker.
 */
@ExtendWith(NoLeakedProcesses.class)
class PoolStatisticsTest {
  private static Throwable failureOf(CompletableFuture<?> future) {
    Throwable thrown = catchThrowable(() -> future.get(30, TimeUnit.SECONDS));
    assertThat(thrown).isInstanceOf(ExecutionException.class);
    return thrown.getCause();
  }

  private static long ended(ProcessPool pool, TaskOutcome outcome) {
    return pool.statistics().tasksEnded().get(outcome);
  }

  @Test
  void countsACompletedTaskBeforeItsFutureCompletes() throws Exception {
    try (CommandPool pool = CommandPool.builder().workers(2).shutdownHook(false).build()) {
      for (int i = 1; i <= 20; i++) {
        pool.run(Command.of("true")).get(10, TimeUnit.SECONDS);
        // Read at once, without waiting: the count is in before get() returns.
        PoolStatistics now = pool.statistics();
        assertThat(now.tasksEnded().get(TaskOutcome.COMPLETED)).isEqualTo(i);
        assertThat(now.startedTasksEnded().get(TaskOutcome.COMPLETED)).isEqualTo(i);
        assertThat(now.tasksStarted()).isEqualTo(i);
        assertThat(now.tasksEndedInAll()).isEqualTo(i);
      }
      assertThat(pool.statistics().workersStarted()).isEqualTo(20);
    }
  }

  @Test
  void countsACommandThatFailedAndOneThatTimedOutWithTheirTreesEnds() {
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .failOnNonZeroExit(true)
            .terminationGrace(Duration.ZERO)
            .shutdownHook(false)
            .build()) {
      assertThat(failureOf(pool.run(Command.of("sh", "-c", "exit 3"))))
          .isInstanceOf(CommandFailedException.class);
      assertThat(ended(pool, TaskOutcome.FAILED)).isEqualTo(1);
      assertThat(pool.statistics().workersEnded().get(EndReason.EXITED)).isEqualTo(1);

      CompletableFuture<CommandResult> slow =
          pool.run(
              Command.of("sleep", TestProcesses.uniqueSleepSeconds())
                  .withTimeout(Duration.ofMillis(300)));
      assertThat(failureOf(slow)).isInstanceOf(TaskTimeoutException.class);
      PoolStatistics now = pool.statistics();
      assertThat(now.tasksEnded().get(TaskOutcome.TIMED_OUT)).isEqualTo(1);
      assertThat(now.runTimeTotal().get(TaskOutcome.TIMED_OUT))
          .isGreaterThanOrEqualTo(Duration.ofMillis(300));
      assertThat(now.workersEnded().get(EndReason.TIMEOUT)).isEqualTo(1);
      assertThat(now.tasksEnded().get(TaskOutcome.COMPLETED)).isZero();
    }
  }

  @Test
  void countsARefusedAndACancelledTaskThatNeverStartedWithoutARunTime() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .queueCapacity(1)
            .terminationGrace(Duration.ZERO)
            .shutdownHook(false)
            .build()) {
      var unusedRunning = pool.run(Command.of("sleep", marker));
      CompletableFuture<CommandResult> queued = pool.run(Command.of("sleep", marker));
      CompletableFuture<CommandResult> refused = pool.run(Command.of("sleep", marker));
      assertThat(failureOf(refused)).isInstanceOf(PoolSaturatedException.class);
      assertThat(ended(pool, TaskOutcome.REFUSED)).isEqualTo(1);

      assertThat(queued.cancel(true)).isTrue();
      PoolStatistics now = pool.statistics();
      assertThat(now.tasksEnded().get(TaskOutcome.CANCELLED)).isEqualTo(1);
      assertThat(now.startedTasksEnded().get(TaskOutcome.CANCELLED)).isZero();
      assertThat(now.startedTasksEnded().get(TaskOutcome.REFUSED)).isZero();
      assertThat(now.runTimeTotal().get(TaskOutcome.REFUSED)).isZero();
    }
  }

  @Test
  void sumsTheTimeTasksWaitedInTheQueueAndRan() throws Exception {
    try (CommandPool pool = CommandPool.builder().workers(1).shutdownHook(false).build()) {
      long before = System.nanoTime();
      CompletableFuture<CommandResult> first = pool.run(Command.of("sleep", "0.5"));
      CompletableFuture<CommandResult> second = pool.run(Command.of("true"));
      Duration submitting = Duration.ofNanos(System.nanoTime() - before);
      second.get(10, TimeUnit.SECONDS);
      assertThat(first).isDone();
      PoolStatistics now = pool.statistics();
      // The second waited for the first's half second, less what passed before it was submitted
      // (the first's sleep may have begun already).
      assertThat(now.queueWaitTotal())
          .isGreaterThanOrEqualTo(Duration.ofMillis(500).minus(submitting));
      assertThat(now.runTimeTotal().get(TaskOutcome.COMPLETED))
          .isGreaterThanOrEqualTo(Duration.ofMillis(500));
      assertThat(now.tasksStarted()).isEqualTo(2);
    }
  }

  @Test
  void countsAHandlersFailureAsFailedAndAWorkersCrashAsAbortedWithItsEnd() {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      assertThat(failureOf(pool.submit("fail:on purpose"))).isInstanceOf(TaskFailedException.class);
      assertThat(ended(pool, TaskOutcome.FAILED)).isEqualTo(1);

      assertThat(failureOf(pool.submit("halt:3"))).isInstanceOf(WorkerCrashedException.class);
      PoolStatistics now = pool.statistics();
      assertThat(now.tasksEnded().get(TaskOutcome.ABORTED)).isEqualTo(1);
      // The crashed worker's end is counted before its task's future fails.
      assertThat(now.workersEnded().get(EndReason.EXITED)).isEqualTo(1);
      assertThat(now.workersStarted()).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void reportsAWorkerPoolsBreakerOpenWhileWorkersCannotStart() {
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .command(Command.of("false"))
            .workers(1)
            .restartBackoff(Duration.ofMillis(20), Duration.ofMillis(50))
            .startFailureThreshold(2)
            .circuitOpenDuration(Duration.ofMinutes(5))
            .shutdownHook(false)
            .build()) {
      var unused = pool.submit("x");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> pool.statistics().breaker().orElseThrow() == BreakerState.OPEN);
    }
  }

  @Test
  void reportsAServingWorkerPoolsBreakerClosedAndNoneForACommandPool() throws Exception {
    try (WorkerPool<String, String> workers = JvmWorkers.pool().workers(1).build();
        CommandPool commands = CommandPool.builder().shutdownHook(false).build()) {
      assertThat(workers.submit("echo:hi").get(30, TimeUnit.SECONDS)).isEqualTo("hi");
      assertThat(workers.statistics().breaker()).contains(BreakerState.CLOSED);
      assertThat(commands.statistics().breaker()).isEmpty();
    }
  }

  @Test
  void refusesStatisticsThatLackAKey() {
    PoolStatistics zero;
    try (CommandPool pool = CommandPool.builder().shutdownHook(false).build()) {
      zero = pool.statistics();
    }
    Map<TaskOutcome, Long> partial = new EnumMap<>(TaskOutcome.class);
    partial.put(TaskOutcome.COMPLETED, 0L);
    Throwable thrown =
        catchThrowable(
            () ->
                new PoolStatistics(
                    "p",
                    0,
                    Duration.ZERO,
                    partial,
                    zero.startedTasksEnded(),
                    zero.runTimeTotal(),
                    0,
                    zero.workersEnded(),
                    Optional.empty()));
    assertThat(thrown)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tasksEnded must have a value for every TaskOutcome");
  }
}
