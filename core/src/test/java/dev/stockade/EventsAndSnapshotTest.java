package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.engine.SettingRules;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Lifecycle events and the snapshot of live trees. */
@ExtendWith(NoLeakedProcesses.class)
class EventsAndSnapshotTest {
  private static final class Recorder implements PoolListener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void workerStarted(WorkerEvent e) {
      events.add("workerStarted " + e.label());
    }

    @Override
    public void workerEnded(WorkerEvent e) {
      events.add("workerEnded " + e.label() + " " + e.endReason().orElseThrow());
    }

    @Override
    public void taskStarted(TaskEvent e) {
      events.add("taskStarted " + e.label());
    }

    @Override
    public void taskCompleted(TaskEvent e) {
      events.add("taskCompleted " + e.label());
    }

    @Override
    public void taskFailed(TaskEvent e) {
      events.add(
          "taskFailed " + e.label() + " " + e.failure().orElseThrow().getClass().getSimpleName());
    }
  }

  @Test
  void reportsStartAndEndOfWorkersAndTasksWithTheReason() throws Exception {
    Recorder recorder = new Recorder();
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .listener(recorder)
            .terminationGrace(Duration.ZERO)
            .build()) {
      pool.run(Command.of("true").withLabel("ok")).get(10, TimeUnit.SECONDS);
      pool.run(Command.of("sleep", "30").withLabel("slow").withTimeout(Duration.ofMillis(300)))
          .handle((r, t) -> t)
          .get(10, TimeUnit.SECONDS);
    }
    assertThat(recorder.events)
        .containsExactly(
            "workerStarted ok",
            "taskStarted ok",
            "workerEnded ok EXITED",
            "taskCompleted ok",
            "workerStarted slow",
            "taskStarted slow",
            "workerEnded slow TIMEOUT",
            "taskFailed slow TaskTimeoutException");
  }

  @Test
  void keepsWorkingWhenTheListenerThrows() throws Exception {
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .listener(
                new PoolListener() {
                  @Override
                  public void taskStarted(TaskEvent event) {
                    throw new IllegalStateException("a listener bug");
                  }
                })
            .build()) {
      assertThat(pool.run(Command.of("true")).get(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  @Test
  void snapshotListsEachLiveTreeWithPidSizeMemoryAgeAndState() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool =
        CommandPool.builder()
            .name("snap")
            .workers(2)
            .sampleInterval(Duration.ofMillis(20))
            .terminationGrace(Duration.ZERO)
            .build()) {
      CompletableFuture<CommandResult> future =
          pool.run(
              Command.of("sh", "-c", "sleep " + marker + " & sleep " + marker + " & wait")
                  .withLabel("pair"));
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                PoolSnapshot snapshot = pool.snapshot();
                assertThat(snapshot.poolName()).isEqualTo("snap");
                assertThat(snapshot.containment())
                    .contains(CgroupProbe.select(SettingRules.defaultCgroupMode()).description());
                assertThat(snapshot.activeWorkers()).isEqualTo(1);
                assertThat(snapshot.workers())
                    .singleElement()
                    .satisfies(
                        w -> {
                          assertThat(w.label()).isEqualTo("pair");
                          assertThat(w.pid()).isPositive();
                          assertThat(w.state()).isEqualTo(WorkerState.BUSY);
                          assertThat(w.processCountNow()).isEqualTo(3);
                          assertThat(w.memoryNow()).isGreaterThan(MemorySize.ZERO);
                          assertThat(w.peakMemory()).isGreaterThanOrEqualTo(w.memoryNow());
                          assertThat(w.age()).isPositive();
                        });
              });
      future.cancel(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> pool.snapshot().workers().isEmpty());
    }
  }
}
