package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import dev.stockade.testing.conformance.ConformanceHandler;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bulk calls of a {@link WorkerPool} — {@code map} and {@code mapUnordered} — on every shipped
 * runtime, through the conformance handler (its input is a command: {@code echo:x}, {@code
 * fail:message}, {@code sleep:ms}, {@code spin}).
 */
@ExtendWith(NoLeakedProcesses.class)
class WorkerPoolMapTest {
  private static final Duration LONG = Duration.ofSeconds(60);

  /** A runtime, the program it needs, and the error type its {@code fail:} command raises. */
  enum Runtime {
    JVM("sh", "java.lang.IllegalArgumentException"),
    PYTHON("python3", "ValueError"),
    NODE("node", "TypeError");

    final String program;
    final String failureType;

    Runtime(String program, String failureType) {
      this.program = program;
      this.failureType = failureType;
    }

    WorkerPoolBuilder<String, String> pool(int workers, PoolListener listener) throws IOException {
      TestProcesses.requireProgram(program);
      WorkerPoolBuilder<String, String> builder = WorkerPool.builder(Codec.utf8(), Codec.utf8());
      switch (this) {
        case JVM -> builder.jvmWorker(ConformanceHandler.class);
        case PYTHON ->
            builder.pythonWorker(
                Path.of(TestProcesses.resource("workers/python/conformance_worker.py")));
        case NODE -> builder.nodeWorker(nodeScript());
      }
      return builder
          .workers(workers)
          .sampleInterval(Duration.ofMillis(50))
          .terminationGrace(Duration.ofMillis(500))
          .cancelGrace(Duration.ofSeconds(1)) // Node cannot stop a synchronous spin: ended then
          .listener(listener)
          .shutdownHook(false);
    }
  }

  /** A Node worker script that serves the conformance handler module. */
  private static Path nodeScript() throws IOException {
    String handler = TestProcesses.resource("workers/node/conformance-worker.js");
    Path script = Files.createTempFile(scripts, "worker-", ".js");
    Files.writeString(
        script,
        "'use strict';\nrequire('stockade-worker').run(require("
            + "'"
            + handler.replace("\\", "\\\\").replace("'", "\\'")
            + "'));\n");
    return script;
  }

  @TempDir static Path scripts;

  /** The labels of the chunks the pool started, in the order they started. */
  static final class Chunks implements PoolListener {
    final List<String> started = new CopyOnWriteArrayList<>();

    @Override
    public void taskStarted(TaskEvent event) {
      started.add(event.label());
    }
  }

  private static List<String> echoes(int count) {
    return IntStream.range(0, count).mapToObj(i -> "echo:" + i).collect(Collectors.toList());
  }

  private static List<String> numbers(int count) {
    return IntStream.range(0, count).mapToObj(String::valueOf).collect(Collectors.toList());
  }

  private static void awaitIdle(WorkerPool<?, ?> pool) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                pool.snapshot().queuedTasks() == 0
                    && pool.snapshot().workers().stream()
                        .noneMatch(w -> w.state() == WorkerState.BUSY));
  }

  @ParameterizedTest
  @EnumSource(Runtime.class)
  void returnsTheOutputsInTheOrderOfTheInputs(Runtime runtime) throws Exception {
    try (WorkerPool<String, String> pool = runtime.pool(2, new Chunks()).build()) {
      assertThat(pool.map(echoes(5_000))).isEqualTo(numbers(5_000));
    }
  }

  /** {@code multiprocessing}'s rule: ceil(n / (4 × workers)) inputs a chunk. */
  @ParameterizedTest
  @EnumSource(Runtime.class)
  void cutsInputsOfKnownLengthIntoFourChunksPerWorker(Runtime runtime) throws Exception {
    Chunks chunks = new Chunks();
    try (WorkerPool<String, String> pool = runtime.pool(2, chunks).build()) {
      assertThat(pool.map(echoes(1_001))).hasSize(1_001);
      // Events reach the listener on the callback executor, possibly after the map returned.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(chunks.started)
                      .containsExactlyInAnyOrder(
                          "task[0..125]",
                          "task[126..251]",
                          "task[252..377]",
                          "task[378..503]",
                          "task[504..629]",
                          "task[630..755]",
                          "task[756..881]",
                          "task[882..1000]"));
    }
  }

  @ParameterizedTest
  @EnumSource(Runtime.class)
  void cutsChunksOfTheSizeAsked(Runtime runtime) throws Exception {
    Chunks chunks = new Chunks();
    try (WorkerPool<String, String> pool = runtime.pool(1, chunks).build()) {
      assertThat(pool.map(echoes(10), MapOptions.defaults().withChunkSize(4)))
          .isEqualTo(numbers(10));
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(chunks.started)
                      .containsExactly("task[0..3]", "task[4..7]", "task[8..9]"));
    }
  }

  /** A stream of unknown length, read lazily: outputs still in the order of the inputs. */
  @ParameterizedTest
  @EnumSource(Runtime.class)
  void mapsAStreamOfUnknownLengthInOrder(Runtime runtime) throws Exception {
    try (WorkerPool<String, String> pool = runtime.pool(2, new Chunks()).build()) {
      Stream<String> inputs = Stream.iterate(0, i -> i < 3_000, i -> i + 1).map(i -> "echo:" + i);
      assertThat(pool.map(inputs, MapOptions.defaults())).isEqualTo(numbers(3_000));
    }
  }

  @ParameterizedTest
  @EnumSource(Runtime.class)
  void failsAtTheFirstFailureWithItsIndexAndCancelsTheRest(Runtime runtime) throws Exception {
    Chunks chunks = new Chunks();
    try (WorkerPool<String, String> pool = runtime.pool(2, chunks).build()) {
      List<String> inputs = new ArrayList<>(List.of("echo:a", "fail:bad input"));
      for (int i = 0; i < 20; i++) {
        inputs.add("sleep:60000");
      }
      long start = System.nanoTime();
      assertThatThrownBy(() -> pool.map(inputs, MapOptions.defaults().withChunkSize(2)))
          .isInstanceOfSatisfying(
              MapFailedException.class,
              e -> {
                assertThat(e.firstFailedIndex()).isEqualTo(1);
                assertThat(e.failures()).hasSize(1);
                assertThat(e.getMessage()).startsWith("input 1 of 'task' failed:");
                assertThat(e.getCause())
                    .isInstanceOfSatisfying(
                        TaskFailedException.class,
                        f -> {
                          assertThat(f.errorType()).isEqualTo(runtime.failureType);
                          assertThat(f.errorMessage()).contains("bad input");
                        });
              });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
      // The chunk that was running on the other worker stops; the queued ones never start.
      awaitIdle(pool);
      assertThat(chunks.started).hasSizeLessThanOrEqualTo(3);
    }
  }

  @ParameterizedTest
  @EnumSource(Runtime.class)
  void collectsEveryFailureWhenAsked(Runtime runtime) throws Exception {
    try (WorkerPool<String, String> pool = runtime.pool(2, new Chunks()).build()) {
      List<String> inputs = List.of("echo:a", "fail:one", "echo:b", "echo:c", "fail:two");
      assertThatThrownBy(
              () ->
                  pool.map(
                      inputs, MapOptions.defaults().withChunkSize(2).withCollectFailures(true)))
          .isInstanceOfSatisfying(
              MapFailedException.class,
              e -> {
                assertThat(e.failures()).extracting(MapItem::index).containsExactly(1L, 4L);
                assertThat(e.getMessage()).startsWith("2 inputs of 'task' failed; the first");
                assertThat(e.outcomes())
                    .extracting(MapItem::index)
                    .containsExactly(0L, 1L, 2L, 3L, 4L);
                assertThat(e.outcomes())
                    .extracting(MapItem::isSuccess)
                    .containsExactly(true, false, true, true, false);
                assertThat(e.outcomes().get(3).value()).isEqualTo("c");
              });
    }
  }

  @ParameterizedTest
  @EnumSource(Runtime.class)
  void yieldsFailedInputsAsOutcomesWhenCollecting(Runtime runtime) throws Exception {
    try (WorkerPool<String, String> pool = runtime.pool(2, new Chunks()).build();
        Stream<MapItem<String>> outcomes =
            pool.mapUnordered(
                List.of("echo:a", "fail:no", "echo:b"),
                MapOptions.defaults().withCollectFailures(true).withChunkSize(1))) {
      List<MapItem<String>> all = outcomes.collect(Collectors.toList());
      assertThat(all).extracting(MapItem::index).containsExactlyInAnyOrder(0L, 1L, 2L);
      MapItem<String> failed = all.stream().filter(i -> !i.isSuccess()).findFirst().orElseThrow();
      assertThat(failed.index()).isEqualTo(1);
      assertThat(failed.failure()).get().isInstanceOf(TaskFailedException.class);
    }
  }

  /** The per-input timeout: a chunk may take longer in all than any one of its inputs may. */
  @ParameterizedTest
  @EnumSource(Runtime.class)
  void holdsEachInputOfAChunkToTheTaskTimeout(Runtime runtime) throws Exception {
    try (WorkerPool<String, String> pool =
        runtime.pool(1, new Chunks()).taskTimeout(Duration.ofMillis(1500)).build()) {
      List<String> slowChunk = List.of("sleep:600", "sleep:600", "sleep:600", "sleep:600");
      assertThat(pool.map(slowChunk, MapOptions.defaults().withChunkSize(4)))
          .containsExactly("slept", "slept", "slept", "slept");

      // The input that outlives the timeout fails with TaskTimeoutException, and so does every
      // input after it in its chunk; one answered before it keeps its output (the runtimes send
      // what they hold at least every 10 ms, and sleep:50 takes longer).
      assertThatThrownBy(
              () ->
                  pool.map(
                      List.of("sleep:50", "sleep:60000", "echo:b"),
                      MapOptions.defaults().withChunkSize(3).withCollectFailures(true)))
          .isInstanceOfSatisfying(
              MapFailedException.class,
              e -> {
                assertThat(e.firstFailedIndex()).isEqualTo(1);
                assertThat(e.getCause()).isInstanceOf(TaskTimeoutException.class);
                assertThat(e.outcomes())
                    .extracting(MapItem::isSuccess)
                    .containsExactly(true, false, false);
              });
    }
  }

  @ParameterizedTest
  @EnumSource(Runtime.class)
  void anInterruptedMapCancelsItsRunningChunks(Runtime runtime) throws Exception {
    try (WorkerPool<String, String> pool = runtime.pool(2, new Chunks()).build()) {
      List<String> spinning = List.of("spin", "spin", "spin", "spin");
      var caller = Executors.newSingleThreadExecutor();
      try {
        Future<List<String>> call =
            caller.submit(() -> pool.map(spinning, MapOptions.defaults().withChunkSize(1)));
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    pool.snapshot().workers().stream()
                            .filter(w -> w.state() == WorkerState.BUSY)
                            .count()
                        == 2);
        caller.shutdownNow(); // interrupts the caller inside map
        assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
            .cause()
            .isInstanceOf(InterruptedException.class);
        awaitIdle(pool);
      } finally {
        caller.shutdownNow();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Runtime.class)
  void closingTheStreamCancelsWhatIsStillRunning(Runtime runtime) throws Exception {
    try (WorkerPool<String, String> pool = runtime.pool(1, new Chunks()).build()) {
      Stream<MapItem<String>> outcomes =
          pool.mapUnordered(
              List.of("echo:first", "spin", "echo:never"), MapOptions.defaults().withChunkSize(1));
      Iterator<MapItem<String>> it = outcomes.iterator();
      assertThat(it.next().value()).isEqualTo("first");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));
      outcomes.close();
      awaitIdle(pool);
    }
  }

  @ParameterizedTest
  @EnumSource(Runtime.class)
  void refusesAnInputTooLargeForOneFrameNamingItsIndex(Runtime runtime) throws Exception {
    try (WorkerPool<String, String> pool =
        runtime.pool(1, new Chunks()).maxFrameSize(MemorySize.ofKibibytes(64)).build()) {
      List<String> inputs = List.of("echo:a", "echo:" + "x".repeat(70 * 1024));
      assertThatThrownBy(() -> pool.map(inputs))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("input 1 of 'task' must encode to at most")
          .hasMessageContaining("maxFrameSize 65536");
      assertThat(pool.map(List.of("echo:still serving"))).containsExactly("still serving");
    }
  }

  @Test
  void aChunkWhoseWorkerCrashesFailsTheInputsWithoutAnOutcomeAndThePoolGoesOn() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      assertThatThrownBy(
              () ->
                  pool.map(
                      List.of("sleep:50", "halt:41", "echo:c"),
                      MapOptions.defaults().withChunkSize(3).withCollectFailures(true)))
          .isInstanceOfSatisfying(
              MapFailedException.class,
              e -> {
                assertThat(e.firstFailedIndex()).isEqualTo(1);
                assertThat(e.getCause())
                    .isInstanceOfSatisfying(
                        WorkerCrashedException.class,
                        c -> assertThat(c.getMessage()).contains("41"));
                assertThat(e.outcomes())
                    .extracting(MapItem::isSuccess)
                    .containsExactly(true, false, false);
              });
      assertThat(pool.map(List.of("echo:after"))).containsExactly("after");
    }
  }

  @Test
  void anIdempotentChunkRunsAgainAfterACrashAndKeepsTheOutputsAlreadyIn(@TempDir Path dir)
      throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      String crashOnce = "crash-once:" + dir.resolve("crashed");
      assertThat(
              pool.map(
                  List.of("sleep:50", crashOnce, "echo:c"),
                  MapOptions.defaults()
                      .withChunkSize(3)
                      .withTaskOptions(TaskOptions.defaults().withIdempotent(true))))
          .containsExactly("slept", "survived", "c");
    }
  }

  /**
   * A million inputs through {@code mapUnordered} hold no more than the window: the source is never
   * more than the window ahead of the consumer, and the heap after the last input is what it was
   * after the first hundred thousand.
   */
  @ParameterizedTest
  @EnumSource(Runtime.class)
  void streamsAMillionInputsInBoundedMemory(Runtime runtime) throws Exception {
    int workers = 2;
    int maxInFlight = 10_000;
    AtomicLong taken = new AtomicLong();
    AtomicLong mostAhead = new AtomicLong();
    long[] consumed = {0};
    Supplier<Long> usedHeap =
        () -> {
          System.gc();
          return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        };
    long heapAtTenth = 0;
    try (WorkerPool<String, String> pool = runtime.pool(workers, new Chunks()).build();
        Stream<MapItem<String>> outcomes =
            pool.mapUnordered(
                Stream.generate(() -> "echo:" + taken.incrementAndGet()).limit(1_000_000),
                MapOptions.defaults().withMaxInFlight(maxInFlight))) {
      Iterator<MapItem<String>> it = outcomes.iterator();
      while (it.hasNext()) {
        MapItem<String> item = it.next();
        assertThat(item.isSuccess()).isTrue();
        consumed[0]++;
        mostAhead.accumulateAndGet(taken.get() - consumed[0], Math::max);
        if (consumed[0] == 100_000) {
          heapAtTenth = usedHeap.get();
        }
      }
    }
    assertThat(consumed[0]).isEqualTo(1_000_000);
    assertThat(mostAhead.get()).isLessThanOrEqualTo(maxInFlight);
    // A million kept outcomes would hold well over 50 MiB.
    assertThat(usedHeap.get() - heapAtTenth).isLessThan(16L * 1024 * 1024);
  }
}
