package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.os.TempDirectories;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graceful close of both pools: {@code shutdown()} stops intake while accepted tasks run on,
 * {@code close(Duration)} ends what is still running at the deadline, and the futures of refused
 * and cut-off tasks say which happened. Tasks here run until the test creates a file, so a drain's
 * outcome never hangs on a race with the clock.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(120)
class GracefulDrainTest {
  @TempDir Path dir;

  private Path release() {
    return dir.resolve("release");
  }

  /** A command that runs until {@link #release()} exists, then prints {@code released}. */
  private Command untilReleased() {
    return Command.of(
        "sh", "-c", "while [ ! -e '" + release() + "' ]; do sleep 0.01; done;" + " echo released");
  }

  private static CommandPoolBuilder commandPool() {
    return CommandPool.builder()
        .workers(1)
        .sampleInterval(Duration.ofMillis(50))
        .terminationGrace(Duration.ofSeconds(1))
        .shutdownHook(false);
  }

  /** Runs {@code close} on a thread of its own, as a framework's shutdown would. */
  private static Thread closing(Runnable close) {
    Thread thread = new Thread(close, "test-closer");
    thread.start();
    return thread;
  }

  /** {@code task} fails with a {@link PoolClosedException} whose message has every phrase. */
  private static void assertFailsClosed(Future<?> task, String... phrases) {
    assertThatThrownBy(() -> task.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(PoolClosedException.class)
        .message()
        .contains(phrases);
  }

  @Test
  void aNegativeDrainTimeoutIsRefusedNamingItAndStopsNothing() throws Exception {
    try (CommandPool pool = commandPool().build()) {
      CompletableFuture<CommandResult> running = pool.run(untilReleased());

      assertThatThrownBy(() -> pool.close(Duration.ofMillis(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("drainTimeout must be >= 0, but was -1 ms");

      assertThat(pool.isShutdown()).as("intake, after the refused close").isFalse();
      Files.createFile(release());
      assertThat(running.get(30, TimeUnit.SECONDS).stdout().text()).isEqualTo("released\n");
      assertThat(pool.run(Command.of("echo", "after")).get(30, TimeUnit.SECONDS).stdout().text())
          .isEqualTo("after\n");
    }
  }

  @Test
  void aRunningCommandFinishesDuringTheDrain() throws Exception {
    try (CommandPool pool = commandPool().build()) {
      CompletableFuture<CommandResult> task = pool.run(untilReleased());
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.snapshot().workers().size() == 1);

      Thread closer = closing(() -> pool.close(Duration.ofSeconds(60)));
      await().atMost(Duration.ofSeconds(5)).until(pool::isShutdown);
      assertThat(task).as("a task the drain waits for").isNotDone();
      Files.createFile(release());

      assertThat(task.get(30, TimeUnit.SECONDS).stdout().text()).isEqualTo("released\n");
      closer.join(30_000);
      assertThat(pool.isTerminated()).isTrue();
    }
  }

  @Test
  void aRunningWorkerTaskFinishesDuringTheDrain() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> task = pool.submit("await-file:" + release());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));

      Thread closer = closing(() -> pool.close(Duration.ofSeconds(60)));
      await().atMost(Duration.ofSeconds(5)).until(pool::isShutdown);
      assertThat(task).as("a task the drain waits for").isNotDone();
      Files.createFile(release());

      assertThat(task.get(30, TimeUnit.SECONDS)).isEqualTo("released");
      closer.join(30_000);
      assertThat(pool.isTerminated()).isTrue();
    }
  }

  @Test
  void aQueuedCommandStillRunsDuringTheDrain() throws Exception {
    try (CommandPool pool = commandPool().build()) {
      CompletableFuture<CommandResult> running = pool.run(untilReleased());
      CompletableFuture<CommandResult> queued = pool.run(Command.of("echo", "queued"));
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.snapshot().workers().size() == 1);

      pool.shutdown();
      Files.createFile(release());

      assertThat(pool.awaitTermination(Duration.ofSeconds(30))).isTrue();
      assertThat(running.get().stdout().text()).isEqualTo("released\n");
      assertThat(queued.get().stdout().text()).isEqualTo("queued\n");
    }
  }

  @Test
  void aCommandPastTheDrainDeadlineIsEndedAndFailsSayingItWasCutOff() throws Exception {
    String seconds = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool = commandPool().build()) {
      CompletableFuture<CommandResult> task = pool.run(Command.of("sleep", seconds));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !TestProcesses.liveWithCommandLine("sleep " + seconds).isEmpty());

      pool.close(Duration.ofMillis(300));

      assertFailsClosed(task, "cut off by close", "drain deadline of 300 ms");
      assertThat(TestProcesses.liveWithCommandLine("sleep " + seconds)).isEmpty();
      assertThat(pool.isTerminated()).isTrue();
    }
  }

  @Test
  void aWorkerTaskPastTheDrainDeadlineIsEndedAndFailsSayingItWasCutOff() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> task = pool.submit("sleep:600000");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));
      long pid = pool.snapshot().workers().get(0).pid();

      pool.close(Duration.ofMillis(300));

      assertFailsClosed(task, "cut off by close", "drain deadline of 300 ms");
      assertThat(JvmWorkers.isAlive(pid)).isFalse();
      assertThat(pool.isTerminated()).isTrue();
    }
  }

  @Test
  void aCommandSubmittedAfterShutdownIsRefusedSayingSo() throws Exception {
    try (CommandPool pool = commandPool().build()) {
      CompletableFuture<CommandResult> running = pool.run(untilReleased());
      pool.shutdown();

      CompletableFuture<CommandResult> late = pool.run(Command.of("true"));

      assertFailsClosed(late, "refused after shutdown");
      assertThat(running).isNotDone();
      Files.createFile(release());
      assertThat(running.get(30, TimeUnit.SECONDS).stdout().text()).isEqualTo("released\n");
    }
  }

  @Test
  void aWorkerTaskSubmittedAfterShutdownIsRefusedSayingSo() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> running = pool.submit("await-file:" + release());
      pool.shutdown();

      CompletableFuture<String> late = pool.submit("echo:late");

      assertFailsClosed(late, "refused after shutdown");
      assertThat(running).isNotDone();
      Files.createFile(release());
      assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo("released");
    }
  }

  @Test
  void idleWorkersRetireDuringTheDrainAndBusyOnesOnceTheirTaskEnds() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(2).minIdle(2).build()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  pool.snapshot().workers().stream()
                          .filter(w -> w.state() == WorkerState.IDLE)
                          .count()
                      == 2);
      CompletableFuture<String> task = pool.submit("await-file:" + release());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));
      List<WorkerSnapshot> before = pool.snapshot().workers();
      long busy =
          before.stream()
              .filter(w -> w.state() == WorkerState.BUSY)
              .findFirst()
              .orElseThrow()
              .pid();
      long idle = before.stream().filter(w -> w.pid() != busy).findFirst().orElseThrow().pid();

      pool.shutdown();

      await().atMost(Duration.ofSeconds(10)).until(() -> !JvmWorkers.isAlive(idle));
      assertThat(JvmWorkers.isAlive(busy)).as("the busy worker, while its task runs").isTrue();
      assertThat(task).isNotDone();
      Files.createFile(release());
      assertThat(task.get(30, TimeUnit.SECONDS)).isEqualTo("released");
      assertThat(pool.awaitTermination(Duration.ofSeconds(30))).isTrue();
      assertThat(JvmWorkers.isAlive(busy)).isFalse();
    }
  }

  @Test
  void aDrainedPoolLeavesNoProcessDirectoryOrThreadBehind() throws Exception {
    String name = "drain-left-" + ProcessHandle.current().pid();
    WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .name(name)
            .pythonWorker(Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
            .workers(2)
            .shutdownHook(false)
            .build();
    CompletableFuture<String> finishing = pool.submit("echo:x");
    CompletableFuture<String> cutOff = pool.submit("sleep:600000");
    // Both workers past their start, so both tasks were taken up before the drain begins: a
    // worker still starting when it does would leave the short task queued, and cut off with it.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                pool.snapshot().workers().size() == 2
                    && pool.snapshot().workers().stream()
                        .noneMatch(w -> w.state() == WorkerState.STARTING));
    List<Long> pids = pool.snapshot().workers().stream().map(WorkerSnapshot::pid).toList();

    pool.close(Duration.ofMillis(500));

    assertThat(finishing.get(10, TimeUnit.SECONDS)).isEqualTo("x");
    assertThat(cutOff).isCompletedExceptionally();
    assertThat(pids).noneMatch(JvmWorkers::isAlive);
    assertThat(TestProcesses.liveTagged(name + "@")).isEmpty();
    try (var tmp =
        Files.newDirectoryStream(
            Path.of(System.getProperty("java.io.tmpdir")),
            TempDirectories.prefixFor(name) + ProcessHandle.current().pid() + "-*")) {
      assertThat(tmp).as("the pool's directories").isEmpty();
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(Thread.getAllStackTraces().keySet())
                    .extracting(Thread::getName)
                    .noneMatch(n -> n.startsWith("stockade-" + name + "-")));
  }
}
