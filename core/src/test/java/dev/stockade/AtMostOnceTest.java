package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task not marked idempotent runs at most once, whatever ends its worker, with tasks in flight
 * behind it: four tasks go to one worker, the first ends the worker in one way each test, and the
 * worker's own record of what it ran counts the runs of the three behind it. Where every answer was
 * read, those three never started and run once on a new worker; where answers went unread, they may
 * have run and fail instead of running again.
 */
@ExtendWith(NoLeakedProcesses.class)
class AtMostOnceTest {
  private static final List<String> BEHIND = List.of("B", "C", "D");

  @TempDir Path dir;

  private Path runs() {
    return dir.resolve("runs");
  }

  private String noted(String name, String script) {
    return "note:" + runs() + "|" + name + "|" + script;
  }

  private static WorkerPoolBuilder<String, String> pipelined() {
    return JvmWorkers.pool()
        .workers(1)
        .tasksInFlightPerWorker(4)
        .cancelGrace(Duration.ofMillis(300));
  }

  /** Task A ends the worker by {@code script}; B, C and D are sent behind it. */
  private List<CompletableFuture<String>> submitBehind(
      WorkerPool<String, String> pool, String script, TaskOptions optionsOfA) {
    List<CompletableFuture<String>> tasks = new ArrayList<>();
    tasks.add(pool.submit(noted("A", script), optionsOfA.withLabel("A")));
    for (String name : BEHIND) {
      tasks.add(pool.submit(noted(name, "echo:" + name), TaskOptions.defaults().withLabel(name)));
    }
    return tasks;
  }

  /** How many times the worker ran each task, by its own record. */
  private Map<String, Long> runsByTask() throws IOException {
    if (!Files.exists(runs())) {
      return Map.of();
    }
    return Files.readAllLines(runs()).stream()
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  private static void settle(List<CompletableFuture<String>> tasks) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> tasks.stream().allMatch(CompletableFuture::isDone));
  }

  /** The three tasks behind never started, so each ran exactly once, on a new worker. */
  private void behindRanOnceEach(List<CompletableFuture<String>> tasks) throws Exception {
    for (int i = 1; i <= 3; i++) {
      assertThat(tasks.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(BEHIND.get(i - 1));
    }
    assertThat(runsByTask())
        .containsEntry("A", 1L)
        .containsEntry("B", 1L)
        .containsEntry("C", 1L)
        .containsEntry("D", 1L);
  }

  @Test
  void aCrashRunsTheTasksBehindOnceOnANewWorker() throws Exception {
    try (WorkerPool<String, String> pool = pipelined().build()) {
      List<CompletableFuture<String>> tasks = submitBehind(pool, "halt:3", TaskOptions.defaults());

      assertThatThrownBy(() -> tasks.get(0).get(60, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(WorkerCrashedException.class);
      behindRanOnceEach(tasks);
    }
  }

  @Test
  void aProtocolViolationFailsTheTasksBehindThatMayHaveRunInsteadOfRunningThemAgain()
      throws Exception {
    Map<String, Long> runs;
    try (WorkerPool<String, String> pool = pipelined().build()) {
      List<CompletableFuture<String>> tasks =
          submitBehind(pool, "invalid-utf8", TaskOptions.defaults());
      settle(tasks);

      assertThatThrownBy(() -> tasks.get(0).join())
          .cause()
          .isInstanceOf(WorkerProtocolException.class);
      for (int i = 1; i <= 3; i++) {
        CompletableFuture<String> behind = tasks.get(i);
        assertThatThrownBy(behind::join)
            .cause()
            .isInstanceOf(WorkerProtocolException.class)
            .hasMessageContaining("may have run");
      }
      // A new worker serves, and is given none of them again.
      assertThat(pool.submit("echo:after").get(60, TimeUnit.SECONDS)).isEqualTo("after");
    }
    runs = runsByTask();
    assertThat(runs).containsEntry("A", 1L);
    for (String name : BEHIND) {
      assertThat(runs.getOrDefault(name, 0L)).as("runs of " + name).isLessThanOrEqualTo(1L);
    }
  }

  @Test
  void aTimeoutRunsTheTasksBehindOnceOnANewWorker() throws Exception {
    try (WorkerPool<String, String> pool = pipelined().build()) {
      List<CompletableFuture<String>> tasks =
          submitBehind(
              pool, "sleep:60000", TaskOptions.defaults().withTimeout(Duration.ofSeconds(1)));

      assertThatThrownBy(() -> tasks.get(0).get(60, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(TaskTimeoutException.class);
      behindRanOnceEach(tasks);
    }
  }

  @Test
  void aMemoryKillRunsTheTasksBehindOnceOnANewWorker() throws Exception {
    try (WorkerPool<String, String> pool =
        pipelined().memoryLimit(MemorySize.ofMebibytes(400)).build()) {
      List<CompletableFuture<String>> tasks = submitBehind(pool, "hog:600", TaskOptions.defaults());

      assertThatThrownBy(() -> tasks.get(0).get(60, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(MemoryLimitExceededException.class);
      behindRanOnceEach(tasks);
    }
  }

  @Test
  void aCancelThatEndsTheWorkerRunsTheTasksBehindOnceOnANewWorker() throws Exception {
    try (WorkerPool<String, String> pool = pipelined().build()) {
      List<CompletableFuture<String>> tasks = submitBehind(pool, "spin", TaskOptions.defaults());
      await().atMost(Duration.ofSeconds(60)).until(() -> runsByTask().containsKey("A"));

      tasks.get(0).cancel(true); // the spin ignores CANCEL: its worker is ended after the grace

      behindRanOnceEach(tasks);
    }
  }

  @Test
  void closingFailsTheTasksBehindWithoutRunningThem() throws Exception {
    List<CompletableFuture<String>> tasks;
    try (WorkerPool<String, String> pool = pipelined().build()) {
      tasks = submitBehind(pool, "sleep:60000", TaskOptions.defaults());
      await().atMost(Duration.ofSeconds(60)).until(() -> runsByTask().containsKey("A"));
    }
    for (CompletableFuture<String> task : tasks) {
      assertThatThrownBy(task::join).cause().isInstanceOf(PoolClosedException.class);
    }
    assertThat(runsByTask()).containsOnlyKeys("A");
  }
}
