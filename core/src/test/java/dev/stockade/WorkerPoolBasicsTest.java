package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ScriptedHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A pool of persistent JVM workers: tasks, results, handler errors, and output hygiene. */
@ExtendWith(NoLeakedProcesses.class)
class WorkerPoolBasicsTest {

  @Test
  void runsTaskAfterTaskInTheSameWorkerProcess() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      String first = pool.submit("pid").get(30, TimeUnit.SECONDS);
      String second = pool.submit("pid").get(10, TimeUnit.SECONDS);
      assertThat(pool.submit("echo:hello").get(10, TimeUnit.SECONDS)).isEqualTo("hello");
      assertThat(second).isEqualTo(first);
      assertThat(Long.parseLong(first)).isNotEqualTo(ProcessHandle.current().pid());
    }
  }

  @Test
  void runsConcurrentTasksOnSeveralWorkersAtOnce() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(2).build()) {
      CompletableFuture<String> a = pool.submit("sleep:3000");
      CompletableFuture<String> b = pool.submit("sleep:3000");
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(pool.snapshot().workers())
                      .filteredOn(w -> w.state() == WorkerState.BUSY)
                      .hasSize(2));
      assertThat(a.get(10, TimeUnit.SECONDS)).isEqualTo("slept");
      assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo("slept");
    }
  }

  @Test
  void givesTasksSubmittedTogetherToDifferentIdleWorkers() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(3).minIdle(3).build()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  pool.snapshot().workers().stream()
                          .filter(w -> w.state() == WorkerState.IDLE)
                          .count()
                      == 3);
      CompletableFuture<?>[] tasks = new CompletableFuture<?>[3];
      Thread[] submitters = new Thread[3];
      for (int i = 0; i < 3; i++) {
        int n = i;
        submitters[i] = new Thread(() -> tasks[n] = pool.submit("sleep:2000"));
      }
      for (Thread t : submitters) {
        t.start();
      }
      for (Thread t : submitters) {
        t.join();
      }
      await()
          .atMost(Duration.ofSeconds(2))
          .until(
              () ->
                  pool.snapshot().workers().stream()
                          .filter(w -> w.state() == WorkerState.BUSY)
                          .count()
                      == 3);
      assertThat(pool.snapshot().workers()).hasSize(3); // none had to be started for them
      CompletableFuture.allOf(tasks).get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void failsOnlyTheTaskWhoseHandlerThrewAndKeepsTheWorker() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      String pid = pool.submit("pid").get(30, TimeUnit.SECONDS);
      CompletableFuture<String> failing =
          pool.submit("fail:no such page", TaskOptions.defaults().withLabel("render"));
      assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              TaskFailedException.class,
              e -> {
                assertThat(e.errorType()).isEqualTo("java.lang.IllegalStateException");
                assertThat(e.errorMessage()).isEqualTo("no such page");
                assertThat(e.trace()).contains("ScriptedHandler.handle");
                assertThat(e.getMessage()).contains("task 'render' failed");
              });
      assertThat(pool.submit("pid").get(10, TimeUnit.SECONDS)).isEqualTo(pid);
    }
  }

  @Test
  void keepsFramesIntactWhenTheHandlerAndItsChildrenPrintToStdout() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      assertThat(pool.submit("print:SK\u0001 not a frame").get(30, TimeUnit.SECONDS))
          .isEqualTo("printed");
      assertThat(pool.submit("echo:still fine").get(10, TimeUnit.SECONDS)).isEqualTo("still fine");
    }
  }

  @Test
  void admitsOneTaskPerWorkerPlusTheQueueThenRefusesWithTheCounts() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(2).queueCapacity(1).build()) {
      CompletableFuture<String> a = pool.submit("sleep:1000");
      CompletableFuture<String> b = pool.submit("sleep:1000");
      CompletableFuture<String> queued = pool.submit("echo:queued");
      CompletableFuture<String> refused = pool.submit("echo:refused");
      assertThatThrownBy(refused::join)
          .cause()
          .isInstanceOf(PoolSaturatedException.class)
          .hasMessageContaining("waiting=3 (room: queueCapacity 1 + 2 free worker slots)");
      assertThat(a.get(30, TimeUnit.SECONDS)).isEqualTo("slept");
      assertThat(b.get(30, TimeUnit.SECONDS)).isEqualTo("slept");
      assertThat(queued.get(30, TimeUnit.SECONDS)).isEqualTo("queued");
    }
  }

  @Test
  void failsTheTaskAndReplacesTheWorkerWhenItsResultCannotBeDecoded() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      String pid = pool.submit("pid").get(30, TimeUnit.SECONDS);
      CompletableFuture<String> garbled = pool.submit("invalid-utf8");
      assertThatThrownBy(() -> garbled.get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(WorkerProtocolException.class)
          .hasMessageContaining("could not be decoded");
      assertThat(pool.submit("pid").get(30, TimeUnit.SECONDS)).isNotEqualTo(pid);
    }
  }

  @Test
  void refusesAnInputItsCodecCannotEncodeNamingTheTask() {
    Codec<String> refusing =
        new Codec<>() {
          @Override
          public byte[] encode(String value) {
            throw new IllegalArgumentException("not today");
          }

          @Override
          public String decode(byte[] bytes) {
            return "";
          }
        };
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(refusing, Codec.utf8())
            .jvmWorker(ScriptedHandler.class)
            .shutdownHook(false)
            .build()) {
      assertThatThrownBy(() -> pool.submit("x", TaskOptions.defaults().withLabel("bad")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("could not encode task 'bad'")
          .hasMessageContaining("not today");
    }
  }

  @Test
  void closeFailsARunningTaskWithPoolClosedAndLeavesNothing() throws Exception {
    WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build();
    pool.submit("pid").get(30, TimeUnit.SECONDS);
    CompletableFuture<String> running = pool.submit("sleep:60000");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));
    pool.close();
    assertThat(running).isDone();
    assertThatThrownBy(running::get).cause().isInstanceOf(PoolClosedException.class);
    assertThat(pool.submit("pid")).isCompletedExceptionally();
    assertThat(pool.snapshot().workers()).isEmpty();
  }
}
