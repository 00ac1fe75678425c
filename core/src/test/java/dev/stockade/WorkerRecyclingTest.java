package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Workers retire by task count, age, memory, idleness and health; minIdle keeps some warm. */
@ExtendWith(NoLeakedProcesses.class)
class WorkerRecyclingTest {

  private static String pid(WorkerPool<String, String> pool) throws Exception {
    return pool.submit("pid").get(30, TimeUnit.SECONDS);
  }

  @Test
  void retiresAWorkerAfterMaxTasksPerWorker() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .workers(1)
            .maxTasksPerWorker(2)
            .recycleJitter(0)
            .listener(events)
            .build()) {
      List<String> pids = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        pids.add(pid(pool));
      }
      assertThat(pids.get(1)).isEqualTo(pids.get(0));
      assertThat(pids.get(3)).isEqualTo(pids.get(2));
      assertThat(pids.get(2)).isNotEqualTo(pids.get(0));
      await().atMost(Duration.ofSeconds(10)).until(() -> events.ended.size() >= 2);
      assertThat(events.endReasons()).startsWith(EndReason.RECYCLED, EndReason.RECYCLED);
    }
  }

  @Test
  void retiresAWorkerOverTheSoftMemoryLimitAfterItsTaskCompletes() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .workers(1)
            .memoryLimit(MemorySize.ofMebibytes(900))
            .softMemoryLimit(MemorySize.ofMebibytes(150))
            .jvmOptions(List.of("-Xmx700m"))
            .build()) {
      String first = pid(pool);
      assertThat(pool.submit("allocate:200").get(30, TimeUnit.SECONDS)).isEqualTo("allocated 200");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !JvmWorkers.isAlive(Long.parseLong(first)));
      assertThat(pid(pool)).isNotEqualTo(first);
    }
  }

  @Test
  void endsAWorkerOverTheHardMemoryLimitAtOnce() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .workers(1)
            .memoryLimit(MemorySize.ofMebibytes(200))
            .jvmOptions(List.of("-Xmx700m"))
            .build()) {
      CompletableFuture<String> task =
          pool.submit("allocate:400", TaskOptions.defaults().withLabel("hog"));
      assertThatThrownBy(() -> task.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              MemoryLimitExceededException.class,
              e -> {
                assertThat(e.limit()).isEqualTo(MemorySize.ofMebibytes(200));
                if (e.metric() == MemoryMetric.CGROUP) {
                  // In a cgroup the kernel holds the tree at its limit and OOM-kills instead.
                  assertThat(e.observed()).isGreaterThanOrEqualTo(MemorySize.ofMebibytes(190));
                } else {
                  assertThat(e.observed()).isGreaterThan(MemorySize.ofMebibytes(200));
                }
                assertThat(e.getMessage()).contains("task 'hog'");
              });
      assertThat(pool.submit("echo:after").get(30, TimeUnit.SECONDS)).isEqualTo("after");
    }
  }

  @Test
  void keepsMinIdleWorkersWarmWithoutAnyTask() {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(3).minIdle(2).build()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(pool.snapshot().workers())
                      .hasSize(2)
                      .allMatch(w -> w.state() == WorkerState.IDLE));
    }
  }

  @Test
  void retiresWorkersIdlePastTheIdleTimeoutDownToMinIdle() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .workers(2)
            .minIdle(1)
            .idleTimeout(Duration.ofMillis(500))
            .listener(events)
            .build()) {
      CompletableFuture<String> a = pool.submit("sleep:500");
      CompletableFuture<String> b = pool.submit("sleep:500");
      a.get(30, TimeUnit.SECONDS);
      b.get(30, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(pool.snapshot().workers()).hasSize(1);
                assertThat(events.endReasons()).containsExactly(EndReason.IDLE_TIMEOUT);
              });
    }
  }

  @Test
  void retiresAWorkerOlderThanMaxWorkerAge() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .workers(1)
            .maxWorkerAge(Duration.ofSeconds(2))
            .recycleJitter(0)
            .listener(events)
            .build()) {
      String first = pid(pool);
      await().atMost(Duration.ofSeconds(10)).until(() -> events.ended.size() == 1);
      assertThat(events.endReasons()).containsExactly(EndReason.RECYCLED);
      assertThat(pid(pool)).isNotEqualTo(first);
    }
  }

  @Test
  void retiresAWorkerThatFailsItsHealthCheckRepeatedly() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .workers(1)
            .healthCheckInterval(Duration.ofMillis(100))
            .healthCheckTimeout(Duration.ofMillis(500))
            .healthCheckFailures(2)
            .healthCheck(worker -> false)
            .listener(events)
            .build()) {
      String first = pid(pool);
      await().atMost(Duration.ofSeconds(10)).until(() -> events.ended.size() == 1);
      assertThat(events.endReasons()).containsExactly(EndReason.HEALTH_CHECK_FAILED);
      assertThat(pid(pool)).isNotEqualTo(first);
    }
  }

  @Test
  void keepsAWorkerThatAnswersEveryPing() throws Exception {
    RecordingListener events = new RecordingListener();
    AtomicInteger rounds = new AtomicInteger();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .workers(1)
            .healthCheckInterval(Duration.ofMillis(100))
            .healthCheckFailures(1)
            .healthCheck(worker -> rounds.incrementAndGet() > 0 && worker.pid() > 0)
            .listener(events)
            .build()) {
      String first = pid(pool);
      // Each round pings too; a single failed round would retire it.
      await().atMost(Duration.ofSeconds(10)).until(() -> rounds.get() >= 10);
      assertThat(events.ended).isEmpty();
      assertThat(pid(pool)).isEqualTo(first);
    }
  }
}
