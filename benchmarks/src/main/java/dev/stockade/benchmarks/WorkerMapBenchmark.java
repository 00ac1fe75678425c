package dev.stockade.benchmarks;

import dev.stockade.WorkerPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Many trivial tasks at once: the average time of one {@code pool.map(inputs)} of the {@value
 * #TASKS} integers 0, 1, … in order, through a {@code WorkerPool} of two workers built once per
 * trial (both started at build), every other setting at its default, and the default {@code
 * MapOptions}: chunks of {@code ceil(n / (4 × workers))} inputs, as {@code multiprocessing} cuts
 * them. Each input is encoded by {@link IntCodec} (four bytes) on the calling thread and each
 * output decoded by it, as {@code Pool.map} pickles each {@code int} both ways; the worker returns
 * each input as it is.
 *
 * <ul>
 *   <li>{@link #jvm}: two JVM workers running {@link EchoHandler}.
 *   <li>{@link #python}: two {@code python3 echo_worker.py} workers, whose runtime runs a chunk's
 *       inputs in one loop.
 * </ul>
 *
 * <p>The comparison is {@code multiprocessing.Pool(2).map(f, range(200000))} with its default chunk
 * size, {@code f} returning its argument, measured by {@code mp_baseline.py} in the same run of
 * {@link MultiprocessingComparison}.
 *
 * <p>Target: each at least as fast as {@code Pool(2).map}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class WorkerMapBenchmark {
  static final int TASKS = 200_000;
  static final int WORKERS = 2;

  /** 0 to {@value #TASKS} - 1, built once: the inputs of every call. */
  static final List<Integer> INPUTS = inputs();

  /** A pool of two JVM workers. */
  @State(Scope.Benchmark)
  public static class JvmPool {
    static final String NAME = "bench-map-jvm";
    WorkerPool<Integer, Integer> pool;

    @Setup(Level.Trial)
    public void start() throws InterruptedException {
      pool =
          WorkerBenches.builder(IntCodec.INSTANCE, IntCodec.INSTANCE, NAME, WORKERS)
              .jvmWorker(EchoHandler.class)
              .build();
      check(pool.map(INPUTS));
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, null);
    }
  }

  /** A pool of two Python workers. */
  @State(Scope.Benchmark)
  public static class PythonPool {
    static final String NAME = "bench-map-python";
    Path script;
    WorkerPool<Integer, Integer> pool;

    @Setup(Level.Trial)
    public void start() throws InterruptedException {
      script = WorkerBenches.writeEchoWorker();
      pool =
          WorkerBenches.builder(IntCodec.INSTANCE, IntCodec.INSTANCE, NAME, WORKERS)
              .pythonWorker(script)
              .build();
      check(pool.map(INPUTS));
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, script);
    }
  }

  /** {@value #TASKS} integers through two JVM workers, in order. */
  @Benchmark
  public List<Integer> jvm(JvmPool state) throws InterruptedException {
    return state.pool.map(INPUTS);
  }

  /** {@value #TASKS} integers through two Python workers, in order. */
  @Benchmark
  public List<Integer> python(PythonPool state) throws InterruptedException {
    return state.pool.map(INPUTS);
  }

  private static List<Integer> inputs() {
    List<Integer> inputs = new ArrayList<>(TASKS);
    for (int i = 0; i < TASKS; i++) {
      inputs.add(i);
    }
    return Collections.unmodifiableList(inputs);
  }

  /** Checks a whole answer once per trial; the measured calls are not checked. */
  private static void check(List<Integer> outputs) {
    if (!outputs.equals(INPUTS)) {
      throw new IllegalStateException(
          "map gave " + outputs.size() + " outputs that are not its " + TASKS + " inputs in order");
    }
  }
}
