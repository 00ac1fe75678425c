package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The caller's code — a future's dependent stages — runs on the pool's callback executor, never on
 * a thread that reads workers or keeps time: a slow callback delays neither the next task nor a
 * worker's heartbeats, and a callback may wait on another task of the same pool.
 *
 * <p>A stage added to a future already completed runs on the caller's own thread, as {@code
 * CompletableFuture} does; so the tasks here take a moment (a short sleep), long enough for the
 * stage to be added while they run.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(120)
class CallerCodeThreadsTest {

  private static void hold(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void dependentStagesOfAWorkerTaskRunOnTheCallbackExecutor() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().name("stages").workers(1).build()) {
      String thread =
          pool.submit("sleep:300")
              .thenApply(v -> Thread.currentThread().getName())
              .get(60, TimeUnit.SECONDS);

      assertThat(thread).startsWith("stockade-stages-callback-");
    }
  }

  @Test
  void dependentStagesOfACommandRunOnTheCallbackExecutor() throws Exception {
    try (CommandPool pool = CommandPool.builder().name("cstages").workers(1).build()) {
      String thread =
          pool.run(Command.of("sleep", "0.3"))
              .thenApply(v -> Thread.currentThread().getName())
              .get(60, TimeUnit.SECONDS);

      assertThat(thread).startsWith("stockade-cstages-callback-");
    }
  }

  @Test
  void dependentStagesRunOnTheCallersExecutorWhenGivenOne() throws Exception {
    ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "mine"));
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).callbackExecutor(mine).build()) {
      String thread =
          pool.submit("sleep:300")
              .thenApply(v -> Thread.currentThread().getName())
              .get(60, TimeUnit.SECONDS);

      assertThat(thread).isEqualTo("mine");
    } finally {
      mine.shutdownNow();
    }
  }

  @Test
  void anExecutorThatRunsWorkInlineDoesNotPutTheCallersCodeOnThePoolsThreads() throws Exception {
    Set<String> listenerThreads = ConcurrentHashMap.newKeySet();
    PoolListener listener =
        new PoolListener() {
          @Override
          public void taskCompleted(TaskEvent event) {
            listenerThreads.add(Thread.currentThread().getName());
          }
        };
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .name("inline")
            .workers(1)
            .callbackExecutor(Runnable::run)
            .listener(listener)
            .build()) {
      CompletableFuture<String> stage =
          pool.submit("sleep:300").thenApply(v -> Thread.currentThread().getName());

      assertThat(stage.get(60, TimeUnit.SECONDS)).startsWith("stockade-inline-callback-rescued-");
      await().atMost(Duration.ofSeconds(10)).until(() -> !listenerThreads.isEmpty());
      assertThat(listenerThreads).allMatch(t -> t.startsWith("stockade-inline-callback-rescued-"));
    }
  }

  @Test
  void aSlowCallbackDelaysNeitherTheNextTaskNorTheWorkersHeartbeats() throws Exception {
    RecordingListener events = new RecordingListener();
    CountDownLatch release = new CountDownLatch(1);
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).listener(events).build()) {
      String pid = pool.submit("pid").get(60, TimeUnit.SECONDS);
      AtomicReference<String> ranOn = new AtomicReference<>();
      CompletableFuture<Void> slow =
          pool.submit("sleep:500")
              .thenRun(
                  () -> {
                    ranOn.set(Thread.currentThread().getName());
                    hold(release);
                  });
      long heartbeatTimeoutMillis = 1500; // JvmWorkers.pool()

      assertThat(pool.submit("pid").get(5, TimeUnit.SECONDS)).isEqualTo(pid);
      // Held for twice the heartbeat timeout: the worker's heartbeats are read all along.
      await()
          .during(Duration.ofMillis(2 * heartbeatTimeoutMillis))
          .atMost(Duration.ofMillis(2 * heartbeatTimeoutMillis + 5_000))
          .until(() -> events.ended.isEmpty() && !slow.isDone());
      assertThat(pool.submit("pid").get(5, TimeUnit.SECONDS)).isEqualTo(pid);
      assertThat(ranOn.get()).contains("-callback-");
      release.countDown();
      slow.get(10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aSlowCallbackDoesNotHoldACommandsSlot() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (CommandPool pool = CommandPool.builder().workers(1).build()) {
      AtomicReference<String> ranOn = new AtomicReference<>();
      CompletableFuture<Void> slow =
          pool.run(Command.of("sleep", "0.5"))
              .thenRun(
                  () -> {
                    ranOn.set(Thread.currentThread().getName());
                    hold(release);
                  });

      assertThat(pool.run(Command.of("echo", "next")).get(10, TimeUnit.SECONDS).stdout().text())
          .isEqualTo("next\n");
      assertThat(slow).isNotDone();
      await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.get() != null);
      assertThat(ranOn.get()).contains("-callback-");
      release.countDown();
      slow.get(10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aCallbackThatWaitsOnAnotherTaskOfTheSameWorkerPoolCompletes() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      String both =
          pool.submit("sleep:300")
              .thenApply(
                  first ->
                      Thread.currentThread().getName() + "+" + pool.submit("echo:second").join())
              .get(60, TimeUnit.SECONDS);

      assertThat(both).contains("-callback-").endsWith("+second");
    }
  }

  @Test
  void aCallbackThatWaitsOnAnotherTaskOfTheSameCommandPoolCompletes() throws Exception {
    try (CommandPool pool = CommandPool.builder().workers(1).build()) {
      String both =
          pool.run(Command.of("sleep", "0.3"))
              .thenApply(
                  first ->
                      Thread.currentThread().getName()
                          + "+"
                          + pool.run(Command.of("echo", "second")).join().stdout().text().trim())
              .get(60, TimeUnit.SECONDS);

      assertThat(both).contains("-callback-").endsWith("+second");
    }
  }

  @Test
  void aCallbackThatThrowsAnErrorStallsNeitherPool() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<Void> thrown =
          pool.submit("sleep:300")
              .thenRun(
                  () -> {
                    throw new AssertionError("a callback's own bug");
                  });

      assertThat(thrown)
          .failsWithin(Duration.ofSeconds(60))
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(AssertionError.class);
      assertThat(pool.submit("echo:still serving").get(60, TimeUnit.SECONDS))
          .isEqualTo("still serving");
    }
    try (CommandPool pool = CommandPool.builder().workers(1).build()) {
      CompletableFuture<Void> thrown =
          pool.run(Command.of("sleep", "0.3"))
              .thenRun(
                  () -> {
                    throw new StackOverflowError();
                  });

      assertThat(thrown)
          .failsWithin(Duration.ofSeconds(60))
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(StackOverflowError.class);
      assertThat(pool.run(Command.of("true")).get(60, TimeUnit.SECONDS).exitStatus().isSuccess())
          .isTrue();
    }
  }
}
