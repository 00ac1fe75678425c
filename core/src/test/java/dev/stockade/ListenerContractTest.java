package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import dev.stockade.testing.TaskLedger;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener's contract ({@link PoolListener}): a task that reached a worker starts once, every
 * task ends exactly once — a cancelled one too, once nothing of it runs — and a listener that
 * throws, even an {@link Error}, or that is slow, stalls nothing.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(180)
class ListenerContractTest {
  @TempDir Path dir;

  @Test
  void everyTaskStartsOnceAndEndsOnceThroughCrashesRetriesAndRequeues() throws Exception {
    TaskLedger ledger = new TaskLedger();
    List<CompletableFuture<String>> tasks = new ArrayList<>();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(2).tasksInFlightPerWorker(8).listener(ledger).build()) {
      for (int i = 0; i < 100; i++) {
        // Every tenth task crashes its worker once: it is retried, and the tasks sent behind it
        // go back to the queue.
        String script = i % 10 == 0 ? "crash-once:" + dir.resolve("crashed-" + i) : "echo:" + i;
        tasks.add(
            pool.submit(script, TaskOptions.defaults().withLabel("t" + i).withIdempotent(true)));
      }
      for (CompletableFuture<String> task : tasks) {
        task.get(120, TimeUnit.SECONDS);
      }
    }
    for (int i = 0; i < 100; i++) {
      assertThat(ledger.of("t" + i)).as("events of t" + i).containsExactly("started", "completed");
    }
  }

  @Test
  void aTaskCancelledWithoutInterruptEndsOnceItsHandlerHasFinished() throws Exception {
    TaskLedger ledger = new TaskLedger();
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).listener(ledger).build()) {
      pool.submit("echo:warm").get(60, TimeUnit.SECONDS);
      CompletableFuture<String> task =
          pool.submit("sleep:1000", TaskOptions.defaults().withLabel("let-finish"));
      await().atMost(Duration.ofSeconds(10)).until(() -> !ledger.of("let-finish").isEmpty());
      long cancelledAt = System.nanoTime();

      assertThat(task.cancel(false)).isTrue();

      await().atMost(Duration.ofSeconds(10)).until(() -> ledger.of("let-finish").size() == 2);
      assertThat(ledger.of("let-finish"))
          .containsExactly("started", "failed CancellationException");
      assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt))
          .as("reported when the handler finished, not at the cancel")
          .isGreaterThan(Duration.ofMillis(500));
    }
  }

  @Test
  void aCancelledCommandEndsOnceItsTreeIsGone() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    Map<String, List<String>> aliveAtEnd = new ConcurrentHashMap<>();
    TaskLedger ledger =
        new TaskLedger(
            event -> aliveAtEnd.put(event.label(), TestProcesses.liveWithCommandLine(marker)));
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .listener(ledger)
            .terminationGrace(Duration.ofSeconds(2))
            .build()) {
      CompletableFuture<CommandResult> task =
          pool.run(
              Command.of("sh", "-c", "trap '' TERM; sleep " + marker + "; true")
                  .withLabel("stubborn"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !TestProcesses.liveWithCommandLine(marker).isEmpty());

      assertThat(task.cancel(true)).isTrue();
      assertThat(task).isCancelled(); // at once, as the Future contract says

      await().atMost(Duration.ofSeconds(10)).until(() -> ledger.endOf.containsKey("stubborn"));
      assertThat(ledger.of("stubborn")).containsExactly("started", "failed CancellationException");
      assertThat(aliveAtEnd.get("stubborn"))
          .as("processes alive when the end was reported")
          .isEmpty();
    }
  }

  @Test
  void aCancelledWorkerTaskThatIgnoresCancelEndsOnceItsWorkerIsGone() throws Exception {
    AtomicInteger workerAliveAtEnd = new AtomicInteger(-1);
    long[] pid = new long[1];
    TaskLedger ledger =
        new TaskLedger(event -> workerAliveAtEnd.set(JvmWorkers.isAlive(pid[0]) ? 1 : 0));
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).listener(ledger).cancelGrace(Duration.ofMillis(300)).build()) {
      pid[0] = Long.parseLong(pool.submit("pid").get(60, TimeUnit.SECONDS));
      CompletableFuture<String> task =
          pool.submit("spin", TaskOptions.defaults().withLabel("spinner"));
      await().atMost(Duration.ofSeconds(10)).until(() -> !ledger.of("spinner").isEmpty());

      task.cancel(true);

      await().atMost(Duration.ofSeconds(10)).until(() -> ledger.endOf.containsKey("spinner"));
      assertThat(ledger.of("spinner")).containsExactly("started", "failed CancellationException");
      assertThat(workerAliveAtEnd.get())
          .as("its worker was alive when the end was reported")
          .isZero();
    }
  }

  @Test
  void aListenerThatThrowsAnErrorStallsNeitherPool() throws Exception {
    PoolListener throwing =
        new PoolListener() {
          @Override
          public void taskCompleted(TaskEvent event) {
            throw new AssertionError("a listener's own bug");
          }

          @Override
          public void taskStarted(TaskEvent event) {
            throw new StackOverflowError();
          }
        };
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).listener(throwing).build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(pool.submit("echo:" + i).get(60, TimeUnit.SECONDS)).isEqualTo("" + i);
      }
    }
    try (CommandPool pool = CommandPool.builder().workers(1).listener(throwing).build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(pool.run(Command.of("true")).get(60, TimeUnit.SECONDS).exitStatus().isSuccess())
            .isTrue();
      }
    }
  }

  @Test
  void aTasksEndReachesTheListenerAfterItsFutureCompletedAndOnACallbackThread() throws Exception {
    Map<String, CompletableFuture<?>> futures = new ConcurrentHashMap<>();
    List<String> seen = new CopyOnWriteArrayList<>();
    PoolListener listener =
        new PoolListener() {
          @Override
          public void taskCompleted(TaskEvent event) {
            // The submitting thread may not have stored the future yet: wait for that, not for it.
            await().atMost(Duration.ofSeconds(10)).until(() -> futures.containsKey(event.label()));
            seen.add(
                event.label()
                    + " done="
                    + futures.get(event.label()).isDone()
                    + " on "
                    + Thread.currentThread().getName().replaceAll("[0-9]+$", "N"));
          }
        };
    try (WorkerPool<String, String> workers =
            JvmWorkers.pool().name("ordered").workers(1).listener(listener).build();
        CommandPool commands =
            CommandPool.builder().name("cordered").workers(1).listener(listener).build()) {
      for (int i = 0; i < 20; i++) {
        String label = "w" + i;
        futures.put(label, workers.submit("echo:" + i, TaskOptions.defaults().withLabel(label)));
      }
      futures.put("c", commands.run(Command.of("true").withLabel("c")));
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 21);
    }

    assertThat(seen).allMatch(line -> line.contains("done=true"));
    assertThat(seen)
        .filteredOn(line -> line.startsWith("w"))
        .allMatch(line -> line.endsWith("on stockade-ordered-callback-N"));
    assertThat(seen)
        .filteredOn(line -> line.startsWith("c "))
        .allMatch(line -> line.endsWith("on stockade-cordered-callback-N"));
  }

  @Test
  void aSlowListenerDelaysNoTask() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    PoolListener slow =
        new PoolListener() {
          @Override
          public void taskCompleted(TaskEvent event) {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).listener(slow).build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(pool.submit("echo:" + i).get(10, TimeUnit.SECONDS)).isEqualTo("" + i);
      }
      release.countDown();
    } finally {
      release.countDown();
    }
  }

  @Test
  void aHealthCheckThatThrowsAnErrorFailsItsRoundAndThePoolGoesOn() throws Exception {
    RecordingListener workers = new RecordingListener();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .workers(1)
            .healthCheckInterval(Duration.ofMillis(200))
            .healthCheckFailures(2)
            .healthCheck(
                snapshot -> {
                  throw new AssertionError("a health check's own bug");
                })
            .listener(workers)
            .build()) {
      pool.submit("echo:x").get(60, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> workers.endReasons().contains(EndReason.HEALTH_CHECK_FAILED));
      assertThat(pool.submit("echo:still serving").get(60, TimeUnit.SECONDS))
          .isEqualTo("still serving");
    }
  }
}
