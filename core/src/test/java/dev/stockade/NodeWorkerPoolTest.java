package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import dev.stockade.testing.TestProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool of Node workers built with {@code nodeWorker(script)}, through the shipped runtime and the
 * conformance handler: results, the handler's errors, and cancels of a handler that never yields.
 */
@ExtendWith(NoLeakedProcesses.class)
class NodeWorkerPoolTest {
  private static final Duration CANCEL_GRACE = Duration.ofSeconds(1);

  /** Main-thread CPU time, in clock ticks (1/100 s), that only a spinning handler burns. */
  private static final long SPINNING_TICKS = 30;

  @TempDir Path dir;

  /**
   * The worker script: the conformance handler (a module that exports it) served by the runtime the
   * pool puts on NODE_PATH, as a user's script does. Each payload is noted in {@link
   * #handlersStarted()} as its handler starts, so a test can cancel a running handler rather than a
   * task the worker has not taken up yet.
   */
  private Path workerScript() throws IOException {
    String handler = TestProcesses.resource("workers/node/conformance-worker.js");
    return Files.writeString(
        dir.resolve("worker.js"),
        "'use strict';\n"
            + "const fs = require('fs');\n"
            + "const stockade = require('stockade-worker');\n"
            + "const handle = require("
            + jsString(handler)
            + ");\n"
            + "stockade.run((payload, context) => {\n"
            + "  fs.appendFileSync("
            + jsString(handlersStarted().toString())
            + ", payload.toString('latin1') + '\\n');\n"
            + "  return handle(payload, context);\n"
            + "});\n");
  }

  private Path handlersStarted() {
    return dir.resolve("handlers-started");
  }

  /** Waits until the handler of {@code payload} runs in the worker. */
  private void awaitHandlerStarted(String payload) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Files.exists(handlersStarted())
                    && Files.readAllLines(handlersStarted()).contains(payload));
  }

  private static String jsString(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private WorkerPoolBuilder<String, String> pool() throws IOException {
    TestProcesses.requireProgram("node");
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .nodeWorker(workerScript())
        .workers(1)
        .sampleInterval(Duration.ofMillis(50))
        .heartbeatInterval(Duration.ofMillis(100))
        .heartbeatTimeout(Duration.ofMillis(1000))
        .terminationGrace(Duration.ofMillis(500))
        .shutdownHook(false);
  }

  @Test
  void returnsTheHandlersResults() throws Exception {
    try (WorkerPool<String, String> pool = pool().build()) {
      assertThat(pool.submit("echo:grüezi").get(30, TimeUnit.SECONDS)).isEqualTo("grüezi");
      assertThat(pool.submit("progress:3").get(10, TimeUnit.SECONDS)).isEqualTo("done");
    }
  }

  @Test
  void reportsAThrownErrorWithItsJavaScriptType() throws Exception {
    try (WorkerPool<String, String> pool = pool().build()) {
      CompletableFuture<String> failing = pool.submit("fail:bad input");

      assertThatThrownBy(() -> failing.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              TaskFailedException.class,
              e -> {
                assertThat(e.errorType()).isEqualTo("TypeError");
                assertThat(e.errorMessage()).isEqualTo("bad input");
                assertThat(e.trace()).contains("conformance-worker.js");
              });
      assertThat(pool.submit("echo:still here").get(10, TimeUnit.SECONDS)).isEqualTo("still here");
    }
  }

  /** A handler that honours context.signal settles; the runtime PONGs and the worker stays. */
  @Test
  void aCancelledHandlerThatStopsKeepsItsWorker() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        pool().cancelGrace(CANCEL_GRACE).listener(events).build()) {
      CompletableFuture<String> task = pool.submit("sleep:60000");
      long pid = busyWorkerPid(pool);
      // Its handler must be running: a task cancelled before the worker took it up never runs
      // (and a worker too slow to read the cancel within the grace is ended, rightly).
      awaitHandlerStarted("sleep:60000");

      assertThat(task.cancel(true)).isTrue();

      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.IDLE));
      assertThat(pool.submit("echo:next").get(10, TimeUnit.SECONDS)).isEqualTo("next");
      assertThat(pool.snapshot().workers())
          .singleElement()
          .satisfies(w -> assertThat(w.pid()).isEqualTo(pid));
      assertThat(events.ended).isEmpty();
    }
  }

  /**
   * Node cannot interrupt synchronous code: the runtime answers Cancelled at once, but its main
   * thread never comes back to answer the pool's PING, so the worker ends after the cancel grace
   * and a new one serves the next task.
   */
  @Test
  void aCancelledHandlerThatSpinsCostsItsWorkerAfterTheCancelGrace() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        pool().cancelGrace(CANCEL_GRACE).listener(events).build()) {
      CompletableFuture<String> task = pool.submit("spin");
      long pid = busyWorkerPid(pool);
      // The handler must be spinning, not merely handed the task: a task cancelled before its
      // handler starts never runs, and its worker stays.
      long ticksAtStart = mainThreadCpuTicks(pid);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> mainThreadCpuTicks(pid) - ticksAtStart >= SPINNING_TICKS);

      long cancelled = System.nanoTime();
      assertThat(task.cancel(true)).isTrue();

      await().atMost(CANCEL_GRACE.plusSeconds(5)).until(() -> !JvmWorkers.isAlive(pid));
      assertThat(Duration.ofNanos(System.nanoTime() - cancelled))
          .as("time from the cancel to the worker's end")
          .isGreaterThanOrEqualTo(CANCEL_GRACE);
      assertThat(task).isCancelled();
      await().atMost(Duration.ofSeconds(5)).until(() -> events.ended.size() == 1);
      assertThat(events.endReasons()).containsExactly(EndReason.CANCELLED);
      assertThat(pool.submit("echo:next").get(30, TimeUnit.SECONDS)).isEqualTo("next");
      assertThat(events.started).hasSize(2);
      assertThat(events.started.get(1).pid()).isNotEqualTo(pid);
    }
  }

  @Test
  void answersEveryTaskWithSeveralInFlight() throws Exception {
    try (WorkerPool<String, String> pool = pool().tasksInFlightPerWorker(8).build()) {
      List<CompletableFuture<String>> results = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        results.add(pool.submit("echo:" + i));
      }
      for (int i = 0; i < 300; i++) {
        assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(String.valueOf(i));
      }
    }
  }

  private static long busyWorkerPid(WorkerPool<?, ?> pool) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));
    return pool.snapshot().workers().stream()
        .filter(w -> w.state() == WorkerState.BUSY)
        .findFirst()
        .orElseThrow()
        .pid();
  }

  /**
   * User plus system CPU time of the process's main thread ({@code /proc/PID/task/PID/stat}), where
   * Node runs handlers; its heartbeat thread and compilers are threads of their own.
   */
  private static long mainThreadCpuTicks(long pid) throws IOException {
    String stat =
        Files.readString(
            Path.of("/proc", String.valueOf(pid), "task", String.valueOf(pid), "stat"));
    // Fields after the command name, which is in parentheses and may hold spaces: the state
    // is field 3, utime field 14 and stime field 15.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }
}
