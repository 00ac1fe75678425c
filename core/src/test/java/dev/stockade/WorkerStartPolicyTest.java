package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.workers.JvmWorkerCommand;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import dev.stockade.testing.ScriptedHandler;
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

/** Restarts back off, a breaker stops fork loops and recovers, idempotent tasks are retried. */
@ExtendWith(NoLeakedProcesses.class)
class WorkerStartPolicyTest {
  @TempDir Path dir;

  /** A worker that exits at once with code 3 unless {@code flag} exists. */
  private static Command workerUnless(Path flag) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "sh",
                "-c",
                "[ -f '"
                    + flag
                    + "' ] || { echo 'cannot start: no flag' >&2; exit 3; }; exec \"$@\"",
                "sh"));
    argv.addAll(
        JvmWorkerCommand.arguments(ScriptedHandler.class, MemorySize.ofMebibytes(256), List.of()));
    Command command = Command.of(argv).withLabel("flagged");
    for (var variable : JvmWorkerCommand.ENVIRONMENT.entrySet()) {
      command = command.withEnvironment(variable.getKey(), variable.getValue());
    }
    return command;
  }

  private static WorkerPoolBuilder<String, String> failingPool(
      Command command, RecordingListener events) {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .command(command)
        .workers(2)
        .sampleInterval(Duration.ofMillis(50))
        .restartBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
        .startFailureThreshold(3)
        .circuitOpenDuration(Duration.ofSeconds(1))
        .listener(events)
        .shutdownHook(false);
  }

  @Test
  void failsAQueuedTaskWithTheFirstFailedStartAndItsStderr() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        failingPool(workerUnless(dir.resolve("absent")), events).build()) {
      CompletableFuture<String> queued = pool.submit("echo:x");
      assertThatThrownBy(() -> queued.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              WorkerStartException.class,
              e -> {
                assertThat(e).hasMessageContaining("exit code 3");
                assertThat(e.stderrTail()).contains("cannot start: no flag");
              });
      assertThat(pool.isHealthy()).isFalse();
    }
  }

  @Test
  void opensTheBreakerAfterRepeatedFailedStartsAndFailsNewTasksFast() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        failingPool(workerUnless(dir.resolve("absent")), events).build()) {
      // demand: starts begin, fail, and go on failing by themselves
      var unused = pool.submit("echo:x");
      await().atMost(Duration.ofSeconds(10)).until(() -> events.started.size() >= 3);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(pool.submit("echo:y")).isCompletedExceptionally());
      assertThatThrownBy(() -> pool.submit("echo:y").join())
          .cause()
          .isInstanceOf(PoolUnhealthyException.class)
          .hasMessageContaining("3 failed worker starts in a row")
          .hasMessageContaining("exit code 3")
          .hasMessageContaining("cannot start: no flag") // the worker's stderr
          .hasRootCauseInstanceOf(WorkerStartException.class);
      assertThat(pool.isHealthy()).isFalse();
    }
  }

  @Test
  void backsOffExponentiallyBetweenFailedStarts() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .command(Command.of("sh", "-c", "exit 3"))
            .workers(1)
            .minIdle(1)
            .sampleInterval(Duration.ofMillis(20))
            .restartBackoff(Duration.ofMillis(100), Duration.ofSeconds(10))
            .startFailureThreshold(100)
            .listener(events)
            .shutdownHook(false)
            .build()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> events.started.size() >= 6);
      // Start k+1 waits at least 100 ms * 2^(k-1) * (1 - 50 %) after failure k, which comes
      // after start k: 50 + 100 + 200 + 400 + 800 ms from the first start to the sixth.
      // A fork loop would restart within milliseconds; a slow machine only adds to the gaps.
      long spanMs = (events.startedNanos.get(5) - events.startedNanos.get(0)) / 1_000_000;
      assertThat(spanMs).isGreaterThanOrEqualTo(1550);
      // The breaker was set out of reach, but no worker could start: nothing it holds can run.
      assertThat(pool.isHealthy()).isFalse();
    }
  }

  @Test
  void probesAndRecoversOnceTheWorkerCanStartAgain() throws Exception {
    RecordingListener events = new RecordingListener();
    Path flag = dir.resolve("flag");
    try (WorkerPool<String, String> pool = failingPool(workerUnless(flag), events).build()) {
      var unused = pool.submit("echo:x"); // demand: starts begin and fail
      await().atMost(Duration.ofSeconds(10)).until(() -> !pool.isHealthy());
      Files.createFile(flag);
      await().atMost(Duration.ofSeconds(30)).until(pool::isHealthy);
      assertThat(pool.submit("echo:back").get(30, TimeUnit.SECONDS)).isEqualTo("back");
    }
  }

  @Test
  void runsAnIdempotentTaskAgainAfterItsWorkerCrashed() throws Exception {
    Path marker = dir.resolve("crashed-once");
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      String result =
          pool.submit("crash-once:" + marker, TaskOptions.defaults().withIdempotent(true))
              .get(60, TimeUnit.SECONDS);
      assertThat(result).isEqualTo("survived");
      assertThat(marker).exists();
    }
  }

  @Test
  void neverRunsATaskNotMarkedIdempotentTwice() throws Exception {
    Path marker = dir.resolve("crashed-once");
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> task = pool.submit("crash-once:" + marker);
      assertThatThrownBy(() -> task.get(60, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(
              WorkerCrashedException.class,
              e -> assertThat(e.details().exitStatus()).contains(ExitStatus.exited(41)));
    }
  }

  @Test
  void givesUpOnAnIdempotentTaskAfterRetryAttempts() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).retryAttempts(2).build()) {
      CompletableFuture<String> task =
          pool.submit("halt:5", TaskOptions.defaults().withIdempotent(true));
      assertThatThrownBy(() -> task.get(60, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(WorkerCrashedException.class);
    }
  }
}
