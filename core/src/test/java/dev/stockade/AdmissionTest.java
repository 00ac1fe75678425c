package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bounded admission, close and cancellation. */
@ExtendWith(NoLeakedProcesses.class)
class AdmissionTest {
  private static Command sleeper(String seconds) {
    return Command.of("sleep", seconds);
  }

  private static Throwable failureOf(CompletableFuture<?> future) throws Exception {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
    return e.getCause();
  }

  @Test
  void refusesATaskBeyondWorkersAndQueueWithThePoolCounts() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool =
        CommandPool.builder()
            .name("tight")
            .workers(1)
            .queueCapacity(1)
            .terminationGrace(Duration.ZERO)
            .build()) {
      var unused = pool.run(sleeper(marker));
      var unusedSecond = pool.run(sleeper(marker));
      CompletableFuture<CommandResult> third = pool.run(sleeper(marker));
      assertThat(third).isCompletedExceptionally();
      assertThat(failureOf(third))
          .isInstanceOf(PoolSaturatedException.class)
          .hasMessageContaining("active=1/1, queued=1/1")
          .hasMessageContaining("pool 'tight'");
    }
  }

  @Test
  void blocksForRoomWhenConfiguredAndStartsOnceAWorkerFrees() throws Exception {
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .queueCapacity(0)
            .blockWhenSaturated(Duration.ofSeconds(10))
            .build()) {
      CompletableFuture<CommandResult> first = pool.run(sleeper("0.5"));
      CompletableFuture<CommandResult> second = pool.run(Command.of("true"));
      assertThat(first).isDone();
      assertThat(second.get(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  @Test
  void refusesAfterTheAdmissionWaitRunsOut() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .queueCapacity(0)
            .blockWhenSaturated(Duration.ofMillis(300))
            .terminationGrace(Duration.ZERO)
            .build()) {
      var unused = pool.run(sleeper(marker));
      long start = System.nanoTime();
      CompletableFuture<CommandResult> refused = pool.run(sleeper(marker));
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(300));
      assertThat(failureOf(refused))
          .isInstanceOf(PoolSaturatedException.class)
          .hasMessageContaining("after waiting 300 ms");
    }
  }

  @Test
  void closeFailsRunningAndQueuedTasksAndEndsEveryTree() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .queueCapacity(5)
            .terminationGrace(Duration.ofSeconds(1))
            .build();
    CompletableFuture<CommandResult> running = pool.run(sleeper(marker));
    CompletableFuture<CommandResult> queued = pool.run(sleeper(marker));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> TestProcesses.liveWithCommandLine(marker).size() == 1);

    pool.close();

    assertThat(failureOf(running))
        .isInstanceOf(PoolClosedException.class)
        .hasMessageContaining("was closed while task 'sleep' ran");
    assertThat(failureOf(queued))
        .isInstanceOf(PoolClosedException.class)
        .hasMessageContaining("before queued task 'sleep' started");
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
    assertThat(pool.snapshot().activeWorkers()).isZero();
  }

  @Test
  void refusesTasksAfterCloseAndClosesIdempotently() throws Exception {
    CommandPool pool = CommandPool.builder().workers(1).build();
    pool.close();
    pool.close();
    assertThat(failureOf(pool.run(Command.of("true"))))
        .isInstanceOf(PoolClosedException.class)
        .hasMessageContaining("is closed");
    assertThat(pool.snapshot().closed()).isTrue();
  }

  @Test
  void cancelWithInterruptEndsTheRunningTree() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool =
        CommandPool.builder().workers(1).terminationGrace(Duration.ofSeconds(1)).build()) {
      CompletableFuture<CommandResult> future =
          pool.run(Command.of("sh", "-c", "sleep " + marker + " & sleep " + marker + "; :"));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> TestProcesses.liveWithCommandLine("sleep " + marker).size() >= 3);

      assertThat(future.cancel(true)).isTrue();

      assertThrows(CancellationException.class, future::join);
      await()
          .atMost(Duration.ofSeconds(4))
          .until(
              () ->
                  TestProcesses.liveWithCommandLine(marker).isEmpty()
                      && pool.snapshot().activeWorkers() == 0);
    }
  }

  @Test
  void cancelRemovesAQueuedTaskWithoutStartingIt() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    String queuedMarker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool =
        CommandPool.builder().workers(1).queueCapacity(1).terminationGrace(Duration.ZERO).build()) {
      var unused = pool.run(sleeper(marker));
      CompletableFuture<CommandResult> queued = pool.run(sleeper(queuedMarker));
      assertThat(pool.snapshot().queuedTasks()).isEqualTo(1);

      queued.cancel(false);

      assertThat(pool.snapshot().queuedTasks()).isZero();
      assertThat(pool.run(Command.of("true"))).isNotCompletedExceptionally();
      assertThat(TestProcesses.liveWithCommandLine(queuedMarker)).isEmpty();
    }
  }

  @Test
  void closeFromACallbackOnAPoolThreadEndsEverythingWithoutDeadlock() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    CommandPool pool = CommandPool.builder().workers(2).terminationGrace(Duration.ZERO).build();
    CompletableFuture<CommandResult> longOne = pool.run(sleeper(marker));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> TestProcesses.liveWithCommandLine(marker).size() == 1);

    CompletableFuture<Void> closedInCallback = pool.run(Command.of("true")).thenRun(pool::close);

    closedInCallback.get(10, TimeUnit.SECONDS);
    assertThat(failureOf(longOne)).isInstanceOf(PoolClosedException.class);
    pool.close();
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
    assertThat(pool.snapshot().activeWorkers()).isZero();
  }
}
