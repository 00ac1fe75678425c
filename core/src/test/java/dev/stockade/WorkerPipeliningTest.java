package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** More than one task in flight per worker: order, deadlines, crashes and cancels. */
@ExtendWith(NoLeakedProcesses.class)
class WorkerPipeliningTest {

  @Test
  void answersEveryTaskWithSeveralInFlightPerWorker() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(2).tasksInFlightPerWorker(4).build()) {
      List<CompletableFuture<String>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(pool.submit("echo:" + i));
      }
      for (int i = 0; i < 200; i++) {
        assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(String.valueOf(i));
      }
    }
  }

  /** Submitting threads and the pool's reader assign tasks at once: they must still go in order. */
  @Test
  void keepsEachWorkersTasksInOrderWhileManyThreadsSubmit() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(2).tasksInFlightPerWorker(8).queueCapacity(4000).build()) {
      List<CompletableFuture<String>> results = new CopyOnWriteArrayList<>();
      List<Thread> submitters = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int base = t * 1000;
        submitters.add(
            new Thread(
                () -> {
                  for (int i = 0; i < 500; i++) {
                    int n = base + i;
                    results.add(pool.submit("echo:" + n).thenApply(r -> r + "=" + n));
                  }
                }));
      }
      submitters.forEach(Thread::start);
      for (Thread t : submitters) {
        t.join();
      }
      for (CompletableFuture<String> r : results) {
        String[] echoedAndExpected = r.get(60, TimeUnit.SECONDS).split("=", -1);
        assertThat(echoedAndExpected[0]).isEqualTo(echoedAndExpected[1]);
      }
      assertThat(results).hasSize(2000);
    }
  }

  @Test
  void startsATasksTimeoutWhenItsTurnComesNotWhenItWasSent() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).tasksInFlightPerWorker(4).build()) {
      pool.submit("pid").get(30, TimeUnit.SECONDS);
      TaskOptions oneSecond = TaskOptions.defaults().withTimeout(Duration.ofSeconds(1));
      List<CompletableFuture<String>> sleeps = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sleeps.add(pool.submit("sleep:400", oneSecond)); // 1.6 s in all, 0.4 s each
      }
      for (CompletableFuture<String> sleep : sleeps) {
        assertThat(sleep.get(30, TimeUnit.SECONDS)).isEqualTo("slept");
      }
    }
  }

  @Test
  void sendsTheTasksBehindACrashedOneToAnotherWorkerAlthoughNotIdempotent() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).tasksInFlightPerWorker(3).build()) {
      String first = pool.submit("pid").get(30, TimeUnit.SECONDS);
      CompletableFuture<String> crash = pool.submit("halt:9");
      CompletableFuture<String> behind1 = pool.submit("pid");
      CompletableFuture<String> behind2 = pool.submit("echo:never ran before");
      assertThatThrownBy(() -> crash.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(WorkerCrashedException.class);
      assertThat(behind1.get(30, TimeUnit.SECONDS)).isNotEqualTo(first);
      assertThat(behind2.get(30, TimeUnit.SECONDS)).isEqualTo("never ran before");
    }
  }

  @Test
  void cancelsATaskWaitingBehindAnotherAndKeepsTheWorker() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .workers(1)
            .tasksInFlightPerWorker(3)
            .cancelGrace(Duration.ofMillis(500))
            .build()) {
      String pid = pool.submit("pid").get(30, TimeUnit.SECONDS);
      CompletableFuture<String> running = pool.submit("sleep:1000");
      CompletableFuture<String> waiting = pool.submit("sleep:60000");
      CompletableFuture<String> after = pool.submit("pid");
      assertThat(waiting.cancel(true)).isTrue();
      assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo("slept");
      assertThat(after.get(30, TimeUnit.SECONDS)).isEqualTo(pid);
      assertThatThrownBy(waiting::get).isInstanceOf(CancellationException.class);
    }
  }

  @Test
  void rejectsAWindowOutOfRange() {
    assertThatThrownBy(() -> JvmWorkers.pool().tasksInFlightPerWorker(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tasksInFlightPerWorker must be between 1 and 64, but was 0");
  }
}
