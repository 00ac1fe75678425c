package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** cancel(true) sends CANCEL; a task that does not stop within the grace costs its worker. */
@ExtendWith(NoLeakedProcesses.class)
class WorkerCancellationTest {
  @TempDir Path dir;

  private static long busyWorkerPid(WorkerPool<?, ?> pool) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));
    return pool.snapshot().workers().get(0).pid();
  }

  private static void awaitAnIdleWorker(WorkerPool<?, ?> pool, Duration bound) {
    await()
        .atMost(bound)
        .until(
            () -> pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.IDLE));
  }

  @Test
  void aTaskThatStopsOnCancelKeepsItsWorker() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).cancelGrace(Duration.ofSeconds(5)).build()) {
      CompletableFuture<String> task = pool.submit("sleep:60000");
      long pid = busyWorkerPid(pool);
      assertThat(task.cancel(true)).isTrue();
      awaitAnIdleWorker(pool, Duration.ofSeconds(5));
      assertThat(pool.submit("pid").get(10, TimeUnit.SECONDS)).isEqualTo(String.valueOf(pid));
    }
  }

  @Test
  void aTaskCancelledRightAfterAStreamOfShortTasksStopsAndKeepsItsWorker() throws Exception {
    // While tasks keep coming, the JVM worker's other request thread is not woken for each one:
    // it watches, and must still take over reading in time to see this CANCEL.
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).cancelGrace(Duration.ofSeconds(5)).build()) {
      for (int i = 0; i < 200; i++) {
        assertThat(pool.submit("echo:" + i).get(10, TimeUnit.SECONDS)).isEqualTo(String.valueOf(i));
      }
      long pid = Long.parseLong(pool.submit("pid").get(10, TimeUnit.SECONDS));
      CompletableFuture<String> task = pool.submit("sleep:60000");
      assertThat(task.cancel(true)).isTrue();
      awaitAnIdleWorker(pool, Duration.ofSeconds(4));
      assertThat(pool.submit("pid").get(10, TimeUnit.SECONDS)).isEqualTo(String.valueOf(pid));
    }
  }

  @Test
  void aTaskThatIgnoresCancelCostsItsWorkerAfterTheGrace() throws Exception {
    Path running = dir.resolve("running");
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).cancelGrace(Duration.ofMillis(500)).build()) {
      CompletableFuture<String> task = pool.submit("spin-marked:" + running);
      long pid = busyWorkerPid(pool);
      // A cancel that reaches the worker before the handler starts is answered at once, and the
      // worker rightly kept: this test is about a handler that runs and ignores it.
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(running));
      task.cancel(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> !JvmWorkers.isAlive(pid));
      assertThat(pool.submit("pid").get(30, TimeUnit.SECONDS)).isNotEqualTo(String.valueOf(pid));
    }
  }

  @Test
  void aQueuedTaskCancelledNeverRuns() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> first = pool.submit("sleep:1000");
      CompletableFuture<String> queued = pool.submit("halt:3"); // would crash the worker
      assertThat(queued.cancel(false)).isTrue();
      assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("slept");
      long pid = Long.parseLong(pool.submit("pid").get(10, TimeUnit.SECONDS));
      assertThat(pool.submit("pid").get(10, TimeUnit.SECONDS)).isEqualTo(String.valueOf(pid));
    }
  }
}
