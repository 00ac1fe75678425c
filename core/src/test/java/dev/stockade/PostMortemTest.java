package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.os.Signal;
import dev.stockade.testing.CapturedLog;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tree the pool ends for a limit or a deadline is listed as it was when the pool decided: its
 * processes, largest first, with their command lines, in the failure and in the log.
 */
@ExtendWith(NoLeakedProcesses.class)
class PostMortemTest {
  private static final MemorySize LIMIT = MemorySize.ofMebibytes(150);

  private static CommandPoolBuilder pool(CgroupMode mode) {
    return CommandPool.builder()
        .workers(1)
        .cgroupMode(mode)
        .sampleInterval(Duration.ofMillis(50))
        .terminationGrace(Duration.ZERO)
        .shutdownHook(false);
  }

  private static <T extends Throwable> T failureOf(Class<T> type, ThrowingRun run) {
    Throwable thrown = catchThrowable(run::run);
    assertThat(thrown).isInstanceOf(ExecutionException.class);
    assertThat(thrown.getCause()).isInstanceOf(type);
    return type.cast(thrown.getCause());
  }

  private interface ThrowingRun {
    void run() throws Exception;
  }

  @ParameterizedTest
  @EnumSource(
      value = CgroupMode.class,
      names = {"AUTO", "NONE"})
  void aTreeEndedForItsMemoryNamesTheProcessThatHeldIt(CgroupMode mode) throws Exception {
    String sleep = TestProcesses.uniqueSleepSeconds();
    // One dd holds 100 MiB alone for a second (sampled, half the limit and more), then a second
    // one takes the tree past 150 MiB.
    String script =
        "sleep "
            + sleep
            + " & dd if=/dev/zero of=/dev/null status=none bs=100M count=1000000 & sleep 1;"
            + " dd if=/dev/zero of=/dev/null status=none bs=100M count=1000000; wait";
    AtomicReference<MemoryLimitExceededException> failure = new AtomicReference<>();
    String log;
    try (CommandPool pool = pool(mode).memoryLimit(LIMIT).build()) {
      log =
          CapturedLog.during(
              () ->
                  failure.set(
                      failureOf(
                          MemoryLimitExceededException.class,
                          () ->
                              pool.run(Command.of("sh", "-c", script).withLabel("leaky"))
                                  .get(30, TimeUnit.SECONDS))));
    }
    WorkerDetails details = failure.get().details();
    List<TreeProcess> processes = details.processesWhenEnded();
    assertThat(processes).isNotEmpty();
    TreeProcess largest = processes.get(0);
    assertThat(largest.commandLine())
        .startsWith("dd if=/dev/zero of=/dev/null status=none bs=100M");
    assertThat(largest.memory().toBytes()).isGreaterThan(MemorySize.ofMebibytes(90).toBytes());
    assertThat(processes)
        .extracting(TreeProcess::commandLine)
        .contains("sleep " + sleep)
        .anySatisfy(line -> assertThat(line).contains("sh -c sleep " + sleep));
    for (int i = 1; i < processes.size(); i++) {
      assertThat(processes.get(i).memory()).isLessThanOrEqualTo(processes.get(i - 1).memory());
    }
    assertThat(failure.get())
        .hasMessageContaining("its processes when the pool ended it, largest first:\n  pid ");
    assertThat(log)
        .contains("ending task 'leaky' for MEMORY_LIMIT: its processes, largest first:")
        .contains("dd if=/dev/zero of=/dev/null status=none bs=100M");
  }

  @Test
  void aTreePastItsDeadlineListsItsProcessesAsTheyWere() {
    String sleep = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool = pool(CgroupMode.AUTO).build()) {
      TaskTimeoutException timeout =
          failureOf(
              TaskTimeoutException.class,
              () ->
                  pool.run(
                          Command.of("sh", "-c", "sleep " + sleep + " & sleep " + sleep + "; wait")
                              .withTimeout(Duration.ofMillis(700)))
                      .get(30, TimeUnit.SECONDS));
      List<TreeProcess> processes = timeout.details().processesWhenEnded();
      assertThat(processes)
          .extracting(TreeProcess::commandLine)
          .filteredOn(("sleep " + sleep)::equals)
          .hasSize(2);
      assertThat(processes).extracting(TreeProcess::state).containsOnly("S");
      assertThat(timeout.details().processCountWhenEnded()).isEqualTo(3);
      long root = timeout.details().pid();
      assertThat(processes)
          .filteredOn(p -> p.commandLine().startsWith("sleep"))
          .extracting(TreeProcess::parentPid)
          .containsOnly(root);
    }
  }

  @Test
  void aTreePastItsProcessLimitListsTheProcessesItHad() {
    String sleep = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool = pool(CgroupMode.AUTO).maxProcesses(5).build()) {
      ProcessLimitExceededException tooMany =
          failureOf(
              ProcessLimitExceededException.class,
              () ->
                  pool.run(
                          Command.of(
                              "sh",
                              "-c",
                              "for i in 1 2 3; do sleep "
                                  + sleep
                                  + " & done; sleep 1;"
                                  + " for i in 1 2 3 4 5 6; do sleep "
                                  + sleep
                                  + " & done; wait"))
                      .get(30, TimeUnit.SECONDS));
      assertThat(tooMany.details().processesWhenEnded())
          .extracting(TreeProcess::commandLine)
          .filteredOn(("sleep " + sleep)::equals)
          .hasSizeGreaterThanOrEqualTo(3);
      assertThat(tooMany).hasMessageContaining("largest first:\n  pid ");
    }
  }

  @Test
  void aWorkerStoppedMidTaskIsListedStoppedWhenItsHeartbeatTimesOut() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      long pid = Long.parseLong(pool.submit("pid").get(30, TimeUnit.SECONDS));
      var task = pool.submit("sleep:60000");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));
      JvmWorkers.signal(pid, Signal.STOP);

      HeartbeatTimeoutException silent =
          failureOf(HeartbeatTimeoutException.class, () -> task.get(30, TimeUnit.SECONDS));
      assertThat(silent.details().processesWhenEnded())
          .filteredOn(p -> p.pid() == pid)
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.state()).isEqualTo("T");
                assertThat(p.commandLine()).contains("bin/java ").endsWith("…");
              });
    }
  }

  @Test
  void listsAtMostTwentyProcessesAndCountsTheRest() {
    String sleep = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool = pool(CgroupMode.AUTO).maxProcesses(100).build()) {
      TaskTimeoutException timeout =
          failureOf(
              TaskTimeoutException.class,
              () ->
                  pool.run(
                          Command.of(
                                  "sh",
                                  "-c",
                                  "for i in $(seq 30); do sleep " + sleep + " & done; wait")
                              .withTimeout(Duration.ofSeconds(2)))
                      .get(30, TimeUnit.SECONDS));
      WorkerDetails details = timeout.details();
      assertThat(details.processesWhenEnded()).hasSize(WorkerDetails.MAX_PROCESSES_LISTED);
      assertThat(details.processCountWhenEnded()).isEqualTo(31);
      assertThat(details.processListing()).endsWith("  … and 11 more\n");
    }
  }

  @Test
  void aWorkerThatCrashedByItselfHasNoListing() {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      WorkerCrashedException crashed =
          failureOf(
              WorkerCrashedException.class, () -> pool.submit("halt:3").get(30, TimeUnit.SECONDS));
      assertThat(crashed.details().processesWhenEnded()).isEmpty();
      assertThat(crashed.details().processCountWhenEnded()).isZero();
      assertThat(crashed).hasMessageNotContaining("largest first");
    }
  }

  @Test
  void cutsALongCommandLineAndRefusesACountBelowTheListing() {
    TreeProcess longLine =
        new TreeProcess(1, 0, "x".repeat(500), MemorySize.ofBytes(0), MemoryMetric.RSS, "S");
    assertThat(longLine.commandLine()).hasSize(TreeProcess.MAX_COMMAND_LINE).endsWith("…");

    WorkerDetails details =
        new WorkerDetails("p", "w1", "l", 1, 1, MemorySize.ofBytes(0), MemoryMetric.RSS, null, "");
    assertThatThrownBy(() -> details.withProcessesWhenEnded(List.of(longLine, longLine), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count must be at least the 2 processes listed, but was 1");
  }
}
