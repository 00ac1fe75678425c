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
  void numbersEachTaskTheSameInItsStartAndEndAndTellsItsWaitAndOutcome() throws Exception {
    List<TaskEvent> starts = new CopyOnWriteArrayList<>();
    List<TaskEvent> ends = new CopyOnWriteArrayList<>();
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .shutdownHook(false)
            .listener(
                new PoolListener() {
                  @Override
                  public void taskStarted(TaskEvent event) {
                    starts.add(event);
                  }

                  @Override
                  public void taskCompleted(TaskEvent event) {
                    ends.add(event);
                  }

                  @Override
                  public void taskFailed(TaskEvent event) {
                    ends.add(event);
                  }
                })
            .build()) {
      CompletableFuture<CommandResult> first =
          pool.run(Command.of("sleep", "0.3").withLabel("first"));
      CompletableFuture<CommandResult> second =
          pool.run(Command.of("sh", "-c", "exit 2").withLabel("second"));
      second.get(10, TimeUnit.SECONDS);
      first.get(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> ends.size() == 2);
    }
    assertThat(starts).extracting(TaskEvent::label).containsExactly("first", "second");
    assertThat(ends).extracting(TaskEvent::label).containsExactly("first", "second");
    for (int i = 0; i < 2; i++) {
      assertThat(ends.get(i).taskId()).isEqualTo(starts.get(i).taskId());
      assertThat(ends.get(i).queueWait()).isEqualTo(starts.get(i).queueWait());
      assertThat(starts.get(i).outcome()).isEmpty();
      assertThat(ends.get(i).outcome()).contains(TaskOutcome.COMPLETED);
    }
    assertThat(starts.get(0).taskId()).isNotEqualTo(starts.get(1).taskId());
    // The second waited for the first's 300 ms.
    assertThat(starts.get(1).queueWait()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
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
