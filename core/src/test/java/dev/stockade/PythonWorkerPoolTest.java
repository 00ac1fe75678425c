package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A pool of Python workers, through the shipped runtime: results, errors and liveness. */
@ExtendWith(NoLeakedProcesses.class)
class PythonWorkerPoolTest {

  private static WorkerPool<String, String> pool() {
    TestProcesses.requireProgram("python3");
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .pythonWorker(Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
        .workers(1).sampleInterval(Duration.ofMillis(50))
        .heartbeatInterval(Duration.ofMillis(100)).heartbeatTimeout(Duration.ofMillis(1000))
        .terminationGrace(Duration.ofMillis(500)).shutdownHook(false).build();
  }

  @Test
  void runsPythonHandlersAndReportsTheirExceptions() throws Exception {
    try (WorkerPool<String, String> pool = pool()) {
      assertThat(pool.submit("echo:grüezi").get(30, TimeUnit.SECONDS)).isEqualTo("grüezi");
      CompletableFuture<String> failing = pool.submit("fail:bad input");
      assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(TaskFailedException.class, e -> {
            assertThat(e.errorType()).isEqualTo("ValueError");
            assertThat(e.errorMessage()).isEqualTo("bad input");
            assertThat(e.trace()).contains("conformance_worker.py");
          });
    }
  }

  @Test
  void answersEveryTaskWithSeveralInFlight() throws Exception {
    TestProcesses.requireProgram("python3");
    try (WorkerPool<String, String> pool = WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .pythonWorker(Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
        .workers(2).tasksInFlightPerWorker(8).shutdownHook(false).build()) {
      java.util.List<CompletableFuture<String>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 300; i++) {
        results.add(pool.submit("echo:" + i));
      }
      for (int i = 0; i < 300; i++) {
        assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(String.valueOf(i));
      }
    }
  }

  /** A C call holding the GIL blocks the runtime's heartbeat thread: the pool sees silence. */
  @Test
  void endsAWorkerWhoseHeartbeatThreadIsBlocked() throws Exception {
    try (WorkerPool<String, String> pool = pool()) {
      pool.submit("echo:warm").get(30, TimeUnit.SECONDS);
      CompletableFuture<String> blocked = pool.submit("block-heartbeat");
      assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(HeartbeatTimeoutException.class);
      assertThat(pool.submit("echo:replaced").get(30, TimeUnit.SECONDS)).isEqualTo("replaced");
    }
  }
}
