package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** cancel(true) sends CANCEL; a task that does not stop within the grace costs its worker. */
@ExtendWith(NoLeakedProcesses.class)
class WorkerCancellationTest {

  private static long busyWorkerPid(WorkerPool<?, ?> pool) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));
    return pool.snapshot().workers().get(0).pid();
  }

  @Test
  void aTaskThatStopsOnCancelKeepsItsWorker() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).cancelGrace(Duration.ofSeconds(5)).build()) {
      CompletableFuture<String> task = pool.submit("sleep:60000");
      long pid = busyWorkerPid(pool);
      assertThat(task.cancel(true)).isTrue();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.IDLE));
      assertThat(pool.submit("pid").get(10, TimeUnit.SECONDS)).isEqualTo(String.valueOf(pid));
    }
  }

  @Test
  void aTaskThatIgnoresCancelCostsItsWorkerAfterTheGrace() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).cancelGrace(Duration.ofMillis(500)).build()) {
      CompletableFuture<String> task = pool.submit("spin");
      long pid = busyWorkerPid(pool);
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
