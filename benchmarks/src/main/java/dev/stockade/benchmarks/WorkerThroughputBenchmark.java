package dev.stockade.benchmarks;

import dev.stockade.WorkerPool;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
 * Throughput of small tasks on two persistent workers: the average time to submit {@value #TASKS}
 * eight-byte echo tasks at once to a {@code WorkerPool} of two workers (both started at build,
 * queue capacity {@value #TASKS}) and await every future.
 *
 * <ul>
 *   <li>{@link #jvm}: two JVM workers running {@link EchoHandler}.
 *   <li>{@link #python}: two {@code python3 echo_worker.py} workers.
 * </ul>
 *
 * <p>In {@link #jvm} and {@link #python} each worker has up to {@value #IN_FLIGHT} tasks in flight
 * ({@code tasksInFlightPerWorker}): its next tasks are already in its pipe when it answers one, as
 * {@code imap_unordered} keeps its workers' pipe full. {@link #jvmDefaults} and {@link
 * #pythonDefaults} leave every setting at the pool's default but the queue's capacity, which must
 * hold the {@value #TASKS} tasks (the default is 1000; {@code imap_unordered}'s queue has no
 * bound): the pool's default dispatch. The calling thread submits all of them first, then waits for
 * every future.
 *
 * <p>One benchmark thread, two workers and the pool's threads on two cores: this is a test of what
 * the supervision costs when the machine has no core to spare. The comparison is Python's {@code
 * multiprocessing.Pool(2).imap_unordered(f, range(2000), chunksize=1)} consumed to the end,
 * measured by {@code mp_baseline.py} in the same run of {@link MultiprocessingComparison}.
 *
 * <p>Five warmup and eight measured iterations of 2 s, more than the other benchmarks: the figures
 * were still falling in a third warmup iteration, and vary more between iterations.
 *
 * <p>Target: each at least 2 times faster than {@code imap_unordered}, at the default dispatch as
 * with {@value #IN_FLIGHT} in flight.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 8, time = 2)
public class WorkerThroughputBenchmark {
  static final int TASKS = 2000;
  static final int WORKERS = 2;

  /** Tasks in flight per worker ({@code tasksInFlightPerWorker}). */
  static final int IN_FLIGHT = 8;

  /** A pool of two JVM workers. */
  @State(Scope.Benchmark)
  public static class JvmPool {
    static final String NAME = "bench-tp-jvm";
    WorkerPool<byte[], byte[]> pool;

    @Setup(Level.Trial)
    public void start() {
      pool = WorkerBenches.jvmPool(NAME, WORKERS, TASKS, IN_FLIGHT);
      WorkerBenches.roundTrip(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, null);
    }
  }

  /** A pool of two JVM workers, the default dispatch. */
  @State(Scope.Benchmark)
  public static class JvmDefaultPool {
    static final String NAME = "bench-tp-jvm-default";
    WorkerPool<byte[], byte[]> pool;

    @Setup(Level.Trial)
    public void start() {
      pool = WorkerBenches.jvmPool(NAME, WORKERS, TASKS);
      WorkerBenches.roundTrip(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, null);
    }
  }

  /** A pool of two Python workers, the default dispatch. */
  @State(Scope.Benchmark)
  public static class PythonDefaultPool {
    static final String NAME = "bench-tp-python-default";
    Path script;
    WorkerPool<byte[], byte[]> pool;

    @Setup(Level.Trial)
    public void start() {
      script = WorkerBenches.writeEchoWorker();
      pool = WorkerBenches.pythonPool(NAME, WORKERS, TASKS, script);
      WorkerBenches.roundTrip(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, script);
    }
  }

  /** A pool of two Python workers. */
  @State(Scope.Benchmark)
  public static class PythonPool {
    static final String NAME = "bench-tp-python";
    Path script;
    WorkerPool<byte[], byte[]> pool;

    @Setup(Level.Trial)
    public void start() {
      script = WorkerBenches.writeEchoWorker();
      pool = WorkerBenches.pythonPool(NAME, WORKERS, TASKS, script, IN_FLIGHT);
      WorkerBenches.roundTrip(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, script);
    }
  }

  /** {@value #TASKS} echoes through two JVM workers, all awaited. */
  @Benchmark
  public int jvm(JvmPool state) throws InterruptedException, ExecutionException {
    return runAll(state.pool);
  }

  /** {@value #TASKS} echoes through two Python workers, all awaited. */
  @Benchmark
  public int python(PythonPool state) throws InterruptedException, ExecutionException {
    return runAll(state.pool);
  }

  /** {@value #TASKS} echoes through two JVM workers at the default dispatch, all awaited. */
  @Benchmark
  public int jvmDefaults(JvmDefaultPool state) throws InterruptedException, ExecutionException {
    return runAll(state.pool);
  }

  /** {@value #TASKS} echoes through two Python workers at the default dispatch, all awaited. */
  @Benchmark
  public int pythonDefaults(PythonDefaultPool state)
      throws InterruptedException, ExecutionException {
    return runAll(state.pool);
  }

  private static int runAll(WorkerPool<byte[], byte[]> pool)
      throws InterruptedException, ExecutionException {
    @SuppressWarnings("unchecked")
    CompletableFuture<byte[]>[] futures = new CompletableFuture[TASKS];
    for (int i = 0; i < TASKS; i++) {
      futures[i] = pool.submit(WorkerBenches.PAYLOAD);
    }
    int bytes = 0;
    for (CompletableFuture<byte[]> f : futures) {
      bytes += f.get().length;
    }
    if (bytes != TASKS * WorkerBenches.PAYLOAD.length) {
      throw new IllegalStateException("got " + bytes + " bytes back from " + TASKS + " echoes");
    }
    return bytes;
  }
}
