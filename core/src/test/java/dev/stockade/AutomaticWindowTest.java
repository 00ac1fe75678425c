package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window the pool chooses when {@code tasksInFlightPerWorker} is not set: no task is sent
 * behind a running one while a worker could take it, and a backlog flows to busy workers ahead of
 * their answers. A task counts as started when its frame is sent to a worker, which the listener's
 * {@code taskStarted} shows.
 */
@ExtendWith(NoLeakedProcesses.class)
class AutomaticWindowTest {
  private static final Duration BOUND = Duration.ofSeconds(30);

  /** The labels of the tasks sent to a worker, in the order they were sent. */
  static final class Sent implements PoolListener {
    final List<String> labels = new CopyOnWriteArrayList<>();

    @Override
    public void taskStarted(TaskEvent event) {
      labels.add(event.label());
    }
  }

  private static CompletableFuture<String> submit(WorkerPool<String, String> pool, String input) {
    return pool.submit(input, TaskOptions.defaults().withLabel(input));
  }

  private static void release(Path file) throws Exception {
    Files.createFile(file);
  }

  @Test
  void sendsATaskToAnIdleWorkerRatherThanBehindARunningOne(@TempDir Path dir) throws Exception {
    Sent sent = new Sent();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(2).minIdle(2).listener(sent).build()) {
      await().atMost(BOUND).until(() -> pool.snapshot().workers().size() == 2);
      Path slow = dir.resolve("slow");
      CompletableFuture<String> running = submit(pool, "await-file:" + slow);
      await().atMost(BOUND).until(() -> sent.labels.size() == 1);

      assertThat(submit(pool, "echo:quick").get(BOUND.toSeconds(), TimeUnit.SECONDS))
          .isEqualTo("quick");
      assertThat(running).isNotDone();
      release(slow);
      assertThat(running.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo("released");
    }
  }

  @Test
  void aTaskThatWaitsAloneGoesToTheFirstWorkerToFreeUp(@TempDir Path dir) throws Exception {
    Sent sent = new Sent();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(2).minIdle(2).listener(sent).build()) {
      await().atMost(BOUND).until(() -> pool.snapshot().workers().size() == 2);
      Path slow = dir.resolve("slow");
      Path short1 = dir.resolve("short");
      CompletableFuture<String> slowTask = submit(pool, "await-file:" + slow);
      CompletableFuture<String> shortTask = submit(pool, "await-file:" + short1);
      await().atMost(BOUND).until(() -> sent.labels.size() == 2);

      CompletableFuture<String> waiting = submit(pool, "echo:waiting");
      assertThat(pool.snapshot().queuedTasks()).isEqualTo(1);
      assertThat(sent.labels).hasSize(2); // not sent behind either running task

      release(short1);
      assertThat(waiting.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo("waiting");
      assertThat(shortTask).isCompletedWithValue("released");
      assertThat(slowTask).isNotDone();
      release(slow);
      assertThat(slowTask.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo("released");
    }
  }

  @Test
  void aBacklogIsSentAheadToBusyWorkersUpToEightEach(@TempDir Path dir) throws Exception {
    Sent sent = new Sent();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).minIdle(1).listener(sent).build()) {
      await().atMost(BOUND).until(() -> pool.snapshot().workers().size() == 1);
      Path gate = dir.resolve("gate");
      CompletableFuture<String> first = submit(pool, "await-file:" + gate);
      await().atMost(BOUND).until(() -> sent.labels.size() == 1);

      List<CompletableFuture<String>> backlog = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        backlog.add(submit(pool, "echo:" + i));
      }
      // The running task, and seven sent behind it while it still runs; the rest wait.
      await().atMost(BOUND).until(() -> sent.labels.size() == 8);
      assertThat(first).isNotDone();
      assertThat(pool.snapshot().queuedTasks()).isEqualTo(13);

      release(gate);
      for (int i = 0; i < 20; i++) {
        assertThat(backlog.get(i).get(BOUND.toSeconds(), TimeUnit.SECONDS))
            .isEqualTo(String.valueOf(i));
      }
    }
  }
}
