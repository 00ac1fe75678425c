package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.os.Signal;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Heartbeats, progress and deadlines: a worker that stops answering is ended, whole. */
@ExtendWith(NoLeakedProcesses.class)
class WorkerLivenessTest {

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

  @Test
  void endsAWorkerStoppedMidTaskWithHeartbeatTimeout() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> task =
          pool.submit("sleep:60000", TaskOptions.defaults().withLabel("stopped"));
      long pid = busyWorkerPid(pool);
      JvmWorkers.signal(pid, Signal.STOP);

      assertThatThrownBy(() -> task.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              HeartbeatTimeoutException.class,
              e -> {
                assertThat(e.silence()).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
                assertThat(e.details().pid()).isEqualTo(pid);
                assertThat(e.getMessage()).contains("task 'stopped'").contains("no heartbeat");
              });
      assertThat(JvmWorkers.isAlive(pid)).isFalse();
      assertThat(pool.submit("echo:next").get(30, TimeUnit.SECONDS)).isEqualTo("next");
    }
  }

  /** A stopped worker is hung even while its tree uses CPU: it can send nothing. */
  @Test
  void endsAStoppedWorkerEvenWhileAChildOfItsKeepsTheCpuBusy() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> task = pool.submit("spin-child");
      long pid = busyWorkerPid(pool);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> pool.snapshot().workers().get(0).processCountNow() >= 2);
      JvmWorkers.signal(pid, Signal.STOP);

      assertThatThrownBy(() -> task.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              HeartbeatTimeoutException.class, e -> assertThat(e.details().pid()).isEqualTo(pid));
      assertThat(JvmWorkers.isAlive(pid)).isFalse();
    }
  }

  @Test
  void endsATaskThatStoppedProgressingWhileItsWorkerStillBeats() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).progressTimeout(Duration.ofSeconds(1)).build()) {
      pool.submit("pid").get(30, TimeUnit.SECONDS); // warm: the timeout counts from the task
      CompletableFuture<String> task = pool.submit("spin");
      assertThatThrownBy(() -> task.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(ProgressTimeoutException.class)
          .hasMessageContaining("reported no progress");
    }
  }

  @Test
  void keepsATaskThatReportsProgressPastTheProgressTimeout() throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).progressTimeout(Duration.ofMillis(600)).build()) {
      pool.submit("pid").get(30, TimeUnit.SECONDS);
      CompletableFuture<String> task =
          pool.submit(
              "progress-spin:100", TaskOptions.defaults().withTimeout(Duration.ofSeconds(3)));
      // It reports every 100 ms, so only its 3 s deadline ends it, not the 600 ms quiet limit.
      assertThatThrownBy(() -> task.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(TaskTimeoutException.class);
    }
  }

  @Test
  void endsATaskPastItsOwnTimeout() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> task =
          pool.submit(
              "sleep:60000",
              TaskOptions.defaults().withTimeout(Duration.ofSeconds(1)).withLabel("slow"));
      assertThatThrownBy(() -> task.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              TaskTimeoutException.class,
              e -> {
                assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(1));
                assertThat(e.getMessage()).contains("task 'slow'");
              });
    }
  }

  /**
   * The time a timed-out task ran is counted to the moment its end was decided: the teardown after
   * it (here the whole 1 s grace, for a child that ignores SIGTERM) is not the task's.
   */
  @Test
  void reportsTheTimeATimedOutTaskRanWithoutItsTeardown() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> task =
          pool.submit("stubborn-child", TaskOptions.defaults().withTimeout(Duration.ofSeconds(1)));
      assertThatThrownBy(() -> task.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              TaskTimeoutException.class,
              e -> {
                Matcher ran = Pattern.compile("ran (\\d+) ms").matcher(e.getMessage());
                assertThat(ran.find()).as(e.getMessage()).isTrue();
                assertThat(Long.parseLong(ran.group(1)))
                    .as("ms it ran")
                    .isBetween(1000L, 1800L); // the grace alone would add 1000 ms
              });
    }
  }

  @Test
  void failsOnlyTheTaskOfAWorkerKilledFromOutsideAndStartsAReplacement() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(2).build()) {
      CompletableFuture<String> victim =
          pool.submit("sleep:60000", TaskOptions.defaults().withLabel("victim"));
      long pid = busyWorkerPid(pool);
      CompletableFuture<String> bystander = pool.submit("sleep:2000");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  pool.snapshot().workers().stream()
                          .filter(w -> w.state() == WorkerState.BUSY)
                          .count()
                      == 2);

      JvmWorkers.signal(pid, Signal.KILL); // as the kernel's OOM killer would

      assertThatThrownBy(() -> victim.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              WorkerCrashedException.class,
              e -> {
                assertThat(e.details().exitStatus()).contains(ExitStatus.killedBy(9));
                assertThat(e.details().pid()).isEqualTo(pid);
                assertThat(e.details().peakMemory().toBytes()).isPositive();
                assertThat(e.getMessage()).contains("task 'victim'");
              });
      assertThat(bystander.get(10, TimeUnit.SECONDS)).isEqualTo("slept");
      assertThat(pool.submit("pid").get(30, TimeUnit.SECONDS)).isNotEqualTo(String.valueOf(pid));
    }
  }

  @Test
  void carriesTheStderrTailOfACrashedWorker() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      CompletableFuture<String> task = pool.submit("last-words:last words");
      assertThatThrownBy(() -> task.get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(
              WorkerCrashedException.class,
              e -> {
                assertThat(e.details().exitStatus()).contains(ExitStatus.exited(41));
                assertThat(e.details().stderrTail()).contains("last words");
              });
    }
  }
}
