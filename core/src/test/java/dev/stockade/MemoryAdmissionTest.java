package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.cgroup.OwnCgroupMemory;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Admission by memory, in this JVM: a pool reads the memory its JVM may use and has left, and while
 * what is left is below {@code minFreeMemory} it starts no tree and applies its policy. Memory is
 * made short here by asking for all of it but one MiB, which no running machine has free; {@code
 * PoolMemoryBudgetTest} makes it short for real, inside a cgroup.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(60)
class MemoryAdmissionTest {
  private final List<MemoryPressureEvent> events = new CopyOnWriteArrayList<>();
  private final PoolListener recorder =
      new PoolListener() {
        @Override
        public void memoryPressure(MemoryPressureEvent event) {
          events.add(event);
        }
      };

  /** All the memory this JVM may use, but one MiB. */
  private static MemorySize almostAll() {
    return MemorySize.ofBytes(OwnCgroupMemory.resolve().read().limitBytes() - (1 << 20));
  }

  @Test
  void reportsTheMemoryItsJvmMayUseInItsSnapshot() {
    try (CommandPool pool = CommandPool.builder().build()) {
      MemoryBudget budget = pool.snapshot().memory();

      assertThat(budget.limit().toBytes()).isPositive();
      assertThat(budget.used().toBytes() + budget.available().toBytes())
          .isLessThanOrEqualTo(budget.limit().toBytes());
      assertThat(budget.source()).isNotBlank();
    }
  }

  @Test
  void holdsTasksInTheQueueWhileMemoryIsShort() throws Exception {
    CompletableFuture<CommandResult> future;
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .minFreeMemory(almostAll())
            .sampleInterval(Duration.ofMillis(50))
            .listener(recorder)
            .build()) {
      future = pool.run(Command.of("echo", "never"));

      await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
      assertThat(events.get(0).underPressure()).isTrue();
      assertThat(events.get(0).action()).contains("QUEUE");
      assertThat(pool.snapshot().queuedTasks()).isEqualTo(1);
      assertThat(pool.snapshot().activeWorkers()).isZero();
      assertThat(future).isNotDone();
    }
    assertThatThrownBy(() -> future.get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(PoolClosedException.class);
  }

  @Test
  void shedsACommandWhileMemoryIsShort() {
    try (CommandPool pool =
        CommandPool.builder()
            .minFreeMemory(almostAll())
            .memoryPressurePolicy(MemoryPressurePolicy.SHED)
            .listener(recorder)
            .build()) {
      CompletableFuture<CommandResult> future = pool.run(Command.of("echo", "never"));

      assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              InsufficientMemoryException.class,
              e -> {
                assertThat(e.getMessage())
                    .contains("task 'echo'")
                    .contains("minFreeMemory")
                    .contains(e.budget().source())
                    .contains("SHED");
                assertThat(e.budget().available()).isLessThan(almostAll());
              });
      // Events reach the listener on the callback executor, after the future may have completed.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> assertThat(events).anyMatch(e -> e.action().equals("shed task 'echo'")));
    }
  }

  @Test
  void shedsTheTasksThatNeedANewWorkerWhileMemoryIsShort() {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .minFreeMemory(almostAll())
            .memoryPressurePolicy(MemoryPressurePolicy.SHED)
            .build()) {
      CompletableFuture<String> future = pool.submit("echo:never");

      assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(InsufficientMemoryException.class);
      assertThat(pool.snapshot().workers()).isEmpty();
    }
  }

  @Test
  void refusesAMinFreeMemoryAtOrAboveWhatTheJvmMayUse() {
    MemorySize all = MemorySize.ofBytes(OwnCgroupMemory.resolve().read().limitBytes());

    assertThatThrownBy(() -> CommandPool.builder().minFreeMemory(all).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("minFreeMemory must be below the memory this JVM may use (")
        .hasMessageEndingWith("but was " + all);
  }
}
