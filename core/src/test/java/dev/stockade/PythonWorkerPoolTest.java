package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A pool of Python workers, through the shipped runtime: results, errors and liveness. */
@ExtendWith(NoLeakedProcesses.class)
class PythonWorkerPoolTest {

  /** sum(range(N)) for N = 400,000,000: one C call of about 5 s that holds the GIL throughout. */
  private static final String LONG_GIL_HOLDING_SUM = "sum:400000000";

  private static final String ITS_RESULT = "79999999800000000";

  private static WorkerPoolBuilder<String, String> builder() {
    TestProcesses.requireProgram("python3");
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .pythonWorker(Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
        .workers(1)
        .sampleInterval(Duration.ofMillis(50))
        .heartbeatInterval(Duration.ofMillis(100))
        .heartbeatTimeout(Duration.ofMillis(1000))
        .terminationGrace(Duration.ofMillis(500))
        .shutdownHook(false);
  }

  private static WorkerPool<String, String> pool() {
    return builder().build();
  }

  /** A pool whose heartbeat timeout (3 s) is shorter than {@link #LONG_GIL_HOLDING_SUM}. */
  private static WorkerPool<String, String> poolWithAThreeSecondHeartbeatTimeout(
      PoolListener listener) {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .pythonWorker(Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
        .workers(1)
        .heartbeatTimeout(Duration.ofSeconds(3))
        .sampleInterval(Duration.ofMillis(50))
        .terminationGrace(Duration.ofMillis(500))
        .listener(listener)
        .shutdownHook(false)
        .build();
  }

  @Test
  void runsPythonHandlersAndReportsTheirExceptions() throws Exception {
    try (WorkerPool<String, String> pool = pool()) {
      assertThat(pool.submit("echo:grüezi").get(30, TimeUnit.SECONDS)).isEqualTo("grüezi");
      CompletableFuture<String> failing = pool.submit("fail:bad input");
      assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(
              TaskFailedException.class,
              e -> {
                assertThat(e.errorType()).isEqualTo("ValueError");
                assertThat(e.errorMessage()).isEqualTo("bad input");
                assertThat(e.trace()).contains("conformance_worker.py");
              });
    }
  }

  @Test
  void answersEveryTaskWithSeveralInFlight() throws Exception {
    TestProcesses.requireProgram("python3");
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .pythonWorker(Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
            .workers(2)
            .tasksInFlightPerWorker(8)
            .shutdownHook(false)
            .build()) {
      List<CompletableFuture<String>> results = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        results.add(pool.submit("echo:" + i));
      }
      for (int i = 0; i < 300; i++) {
        assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(String.valueOf(i));
      }
    }
  }

  /**
   * Between two tasks an idle worker polls for its next request for up to the pool's {@code
   * waitSpin}, and with {@link Duration#ZERO} blocks at once. The handler reports the CPU time of
   * the thread that runs the tasks and waits between them; the caller's pauses between tasks are
   * the idle time measured, not a condition waited for.
   */
  @Test
  void anIdleWorkerPollsForItsNextRequestForTheWaitSpinBeforeItBlocks() throws Exception {
    assumeTrue(
        Runtime.getRuntime().availableProcessors() > 1,
        "nothing spins where the JVM has one processor");
    int gaps = 60;
    long spinningNanos = cpuNanosOverIdleGaps(Duration.ofMillis(1), gaps);
    long blockingNanos = cpuNanosOverIdleGaps(Duration.ZERO, gaps);

    assertThat(spinningNanos)
        .as("CPU over %d gaps of 5 ms with a spin of 1 ms", gaps)
        .isGreaterThan(Duration.ofMillis(gaps).toNanos() / 2);
    assertThat(blockingNanos)
        .as("CPU over %d gaps of 5 ms without a spin", gaps)
        .isLessThan(spinningNanos / 4);
  }

  private static long cpuNanosOverIdleGaps(Duration waitSpin, int gaps) throws Exception {
    try (WorkerPool<String, String> pool = builder().waitSpin(waitSpin).build()) {
      long first = Long.parseLong(pool.submit("cpu-time").get(30, TimeUnit.SECONDS));
      for (int i = 0; i < gaps; i++) {
        Thread.sleep(5);
        pool.submit("echo:" + i).get(30, TimeUnit.SECONDS);
      }
      return Long.parseLong(pool.submit("cpu-time").get(30, TimeUnit.SECONDS)) - first;
    }
  }

  /** A C call holding the GIL blocks the runtime's heartbeat thread: the pool sees silence. */
  @Test
  void endsAWorkerWhoseHeartbeatThreadIsBlocked() throws Exception {
    try (WorkerPool<String, String> pool = pool()) {
      pool.submit("echo:warm").get(30, TimeUnit.SECONDS);
      CompletableFuture<String> blocked = pool.submit("block-heartbeat");
      assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(HeartbeatTimeoutException.class);
      assertThat(pool.submit("echo:replaced").get(30, TimeUnit.SECONDS)).isEqualTo("replaced");
    }
  }

  /** Silent because busy, not hung: the pool sees its tree use CPU and leaves it running. */
  @Test
  void completesATaskThatHoldsTheGilForLongerThanTheHeartbeatTimeout() throws Exception {
    RecordingListener listener = new RecordingListener();
    try (WorkerPool<String, String> pool = poolWithAThreeSecondHeartbeatTimeout(listener)) {
      pool.submit("echo:warm").get(30, TimeUnit.SECONDS);
      long pid = pool.snapshot().workers().get(0).pid();

      assertThat(pool.submit(LONG_GIL_HOLDING_SUM).get(60, TimeUnit.SECONDS)).isEqualTo(ITS_RESULT);

      // Events reach the listener on the callback executor, possibly after the future.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(listener.busy)
                      .as("its heartbeats did stop for longer than the timeout")
                      .isNotEmpty());
      assertThat(listener.ended).as("no worker ended").isEmpty();
      assertThat(pool.snapshot().workers())
          .singleElement()
          .satisfies(w -> assertThat(w.pid()).as("the same worker").isEqualTo(pid));
      assertThat(pool.submit("echo:after").get(10, TimeUnit.SECONDS)).isEqualTo("after");
    }
  }

  @Test
  void reportsAWorkerSilentInAGilHoldingCallAsBusyInItsSnapshotAndEvents() throws Exception {
    AtomicReference<WorkerPool<String, String>> poolRef = new AtomicReference<>();
    List<BusyWorkerEvent> events = new CopyOnWriteArrayList<>();
    List<WorkerSnapshot> snapshotsWhenJudgedBusy = new CopyOnWriteArrayList<>();
    PoolListener listener =
        new PoolListener() {
          @Override
          public void workerBusyWithoutHeartbeat(BusyWorkerEvent event) {
            if (!event.heardAgain()) {
              snapshotsWhenJudgedBusy.addAll(poolRef.get().snapshot().workers());
            }
            events.add(event);
          }
        };
    try (WorkerPool<String, String> pool = poolWithAThreeSecondHeartbeatTimeout(listener)) {
      poolRef.set(pool);
      pool.submit("echo:warm").get(30, TimeUnit.SECONDS);
      long pid = pool.snapshot().workers().get(0).pid();
      assertThat(pool.snapshot().workers().get(0).busyWithoutHeartbeat()).isFalse();

      assertThat(pool.submit(LONG_GIL_HOLDING_SUM).get(60, TimeUnit.SECONDS)).isEqualTo(ITS_RESULT);

      assertThat(snapshotsWhenJudgedBusy)
          .singleElement()
          .satisfies(
              w -> {
                assertThat(w.busyWithoutHeartbeat()).isTrue();
                assertThat(w.state()).isEqualTo(WorkerState.BUSY);
              });
      await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
      BusyWorkerEvent busy = events.get(0);
      BusyWorkerEvent heardAgain = events.get(1);
      assertThat(busy.heardAgain()).isFalse();
      assertThat(busy.pid()).isEqualTo(pid);
      assertThat(busy.silence()).isGreaterThan(Duration.ofSeconds(3));
      assertThat(busy.cpuTime())
          .as("at least a twentieth of a CPU over the last 3 s")
          .isGreaterThanOrEqualTo(Duration.ofMillis(150));
      assertThat(heardAgain.heardAgain()).isTrue();
      assertThat(heardAgain.silence()).isGreaterThanOrEqualTo(busy.silence());
      assertThat(heardAgain.cpuTime()).isGreaterThanOrEqualTo(busy.cpuTime());
      assertThat(pool.snapshot().workers())
          .singleElement()
          .satisfies(w -> assertThat(w.busyWithoutHeartbeat()).isFalse());
    }
  }

  /** Busy while it computes, hung once it blocks: judged again at every sample. */
  @Test
  void endsABusySilentWorkerOnceItsCpuUseStops() throws Exception {
    RecordingListener listener = new RecordingListener();
    try (WorkerPool<String, String> pool = builder().listener(listener).build()) {
      pool.submit("echo:warm").get(30, TimeUnit.SECONDS);
      // Silent throughout (1 s heartbeat timeout): its tree computes for 2.5 s, then waits.
      CompletableFuture<String> task = pool.submit("block-heartbeat-while-a-child-spins:2.5");
      assertThat(task)
          .failsWithin(Duration.ofSeconds(20))
          .withThrowableOfType(ExecutionException.class)
          .havingCause()
          .isInstanceOfSatisfying(
              HeartbeatTimeoutException.class,
              e -> assertThat(e.silence()).isGreaterThan(Duration.ofMillis(2500)));
      // Events reach the listener on the callback executor, possibly after the future.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                assertThat(listener.busy)
                    .as("judged busy while it computed")
                    .singleElement()
                    .satisfies(e -> assertThat(e.heardAgain()).isFalse());
                assertThat(listener.endReasons()).containsExactly(EndReason.HEARTBEAT_TIMEOUT);
              });
    }
  }
}
