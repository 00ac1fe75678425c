package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.workers.JvmWorkerCommand;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ScriptedHandler;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a worker can fail to start completes the tasks waiting for it, within the start timeout
 * and one sample interval, with a {@link WorkerStartException} that carries the cause and the
 * worker's stderr; the pool turns unhealthy, and recovers by itself once a worker can start.
 */
@ExtendWith(NoLeakedProcesses.class)
class WorkerStartFailureTest {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration SAMPLE = Duration.ofMillis(50);

  /** Killing a tree that never said HELLO and reporting it: no grace, a few scans. */
  private static final Duration TEARDOWN_ALLOWANCE = Duration.ofMillis(500);

  @TempDir Path dir;

  private static WorkerPoolBuilder<String, String> pool(Command worker) {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .command(worker)
        .workers(1)
        .sampleInterval(SAMPLE)
        .startTimeout(START_TIMEOUT)
        .restartBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .shutdownHook(false);
  }

  /** A JVM worker of {@link ScriptedHandler}s whose working directory is {@code workDir}. */
  private static Command jvmWorkerIn(Path workDir) {
    Command command =
        Command.of(
                JvmWorkerCommand.arguments(
                    ScriptedHandler.class, MemorySize.ofMebibytes(256), List.of()))
            .withLabel("jvm")
            .withDirectory(workDir);
    for (var variable : JvmWorkerCommand.ENVIRONMENT.entrySet()) {
      command = command.withEnvironment(variable.getKey(), variable.getValue());
    }
    return command;
  }

  /** The task's failure, and that it came within the start timeout and one sample interval. */
  private static WorkerStartException failsToStart(CompletableFuture<String> task, long since) {
    Throwable thrown =
        catchThrowable(() -> task.get(START_TIMEOUT.toMillis() * 4, TimeUnit.MILLISECONDS));
    assertThat(thrown).as("the task failed").isInstanceOf(ExecutionException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - since))
        .isLessThanOrEqualTo(START_TIMEOUT.plus(SAMPLE).plus(TEARDOWN_ALLOWANCE));
    assertThat(thrown.getCause()).isInstanceOf(WorkerStartException.class);
    return (WorkerStartException) thrown.getCause();
  }

  @Test
  void failsTheWaitingTaskWhenTheWorkingDirectoryIsGoneAtStart() throws Exception {
    Path workDir = Files.createDirectory(dir.resolve("work"));
    try (WorkerPool<String, String> pool = pool(jvmWorkerIn(workDir)).build()) {
      Files.delete(workDir);
      long since = System.nanoTime();

      WorkerStartException failure = failsToStart(pool.submit("echo:x"), since);

      assertThat(failure).hasMessageContaining(workDir.toString());
      assertThat(pool.isHealthy()).isFalse();
      Files.createDirectory(workDir);
      await().atMost(Duration.ofSeconds(30)).until(pool::isHealthy);
      assertThat(pool.submit("echo:back").get(30, TimeUnit.SECONDS)).isEqualTo("back");
    }
  }

  @Test
  void failsTheWaitingTaskWithThePythonTracebackOfAWorkerThatCannotLoad() throws Exception {
    TestProcesses.requireProgram("python3");
    Path broken =
        Files.writeString(
            dir.resolve("broken_worker.py"), "import stockade_worker\ndef handle(:\n    pass\n");
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .pythonWorker(broken)
            .workers(1)
            .sampleInterval(SAMPLE)
            .startTimeout(START_TIMEOUT)
            .shutdownHook(false)
            .build()) {
      long since = System.nanoTime();

      WorkerStartException failure = failsToStart(pool.submit("x"), since);

      assertThat(failure.stderrTail()).contains("SyntaxError");
      assertThat(failure)
          .hasMessageContaining("exited before it said HELLO")
          .hasMessageContaining("SyntaxError")
          .hasMessageContaining(broken.toString());
      assertThat(pool.isHealthy()).isFalse();
    }
  }

  @Test
  void failsTheWaitingTaskWhenAWorkerNeverSaysHello() throws Exception {
    String sleep = TestProcesses.uniqueSleepSeconds();
    try (WorkerPool<String, String> pool = pool(Command.of("sleep", sleep)).build()) {
      long since = System.nanoTime();

      WorkerStartException failure = failsToStart(pool.submit("x"), since);

      assertThat(failure).hasMessageContaining("no HELLO within its start timeout of 3000 ms");
      assertThat(pool.isHealthy()).isFalse();
    }
    assertThat(TestProcesses.liveWithCommandLine(sleep)).isEmpty();
  }

  @Test
  void failsTheWaitingTaskWhenAWorkerSpeaksAnotherProtocolVersion() throws Exception {
    String python = TestProcesses.requireProgram("python3");
    try (WorkerPool<String, String> pool =
        pool(Command.of(python, TestProcesses.resource("workers/rogue_worker.py"), "wrong-version"))
            .build()) {
      long since = System.nanoTime();

      WorkerStartException failure = failsToStart(pool.submit("x"), since);

      assertThat(failure)
          .hasMessageContaining("protocol version 1")
          .hasMessageContaining("speaks version 2 only");
      assertThat(pool.isHealthy()).isFalse();
    }
  }

  @Test
  void failsTheWaitingTaskWhenTheKernelRefusesItsEnvironment() throws Exception {
    // One variable over the kernel's bound for a single string (128 KiB): execve says E2BIG.
    Command worker = Command.of("sleep", "1").withEnvironment("OVERSIZED", "x".repeat(200_000));
    try (WorkerPool<String, String> pool = pool(worker).build()) {
      long since = System.nanoTime();

      WorkerStartException failure = failsToStart(pool.submit("x"), since);

      assertThat(failure).hasMessageContaining("sleep");
      assertThat(pool.isHealthy()).isFalse();
    }
  }

  @Test
  void failsEveryQueuedTaskNotJustTheFirst() throws Exception {
    try (WorkerPool<String, String> pool =
        pool(Command.of("sh", "-c", "exit 7")).queueCapacity(10).build()) {
      long since = System.nanoTime();
      CompletableFuture<String> first = pool.submit("a");
      CompletableFuture<String> second = pool.submit("b");
      CompletableFuture<String> third = pool.submit("c");

      for (CompletableFuture<String> task : List.of(first, second, third)) {
        assertThat(failsToStart(task, since)).hasMessageContaining("exit code 7");
      }
    }
  }
}
