package dev.stockade.benchmarks;

import dev.stockade.WorkerPool;
import java.nio.file.Path;
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
 * A warm persistent worker's round trip: the average time from {@code pool.submit(payload)} to the
 * completed future's value, for an eight-byte payload the worker echoes back, through a {@code
 * WorkerPool} of one worker built once per trial (started at build, and warmed by the warmup
 * iterations).
 *
 * <ul>
 *   <li>{@link #jvm}: a JVM worker running {@link EchoHandler}.
 *   <li>{@link #python}: {@code python3 echo_worker.py}, a handler on the shipped Python runtime.
 * </ul>
 *
 * <p>Each round trip is: encode the TASK frame and write it to the worker's stdin on the calling
 * thread; the worker's reader thread takes it off the pipe and hands it to its task thread, which
 * runs the handler and writes the RESULT; the pool's reader thread for that worker decodes it and
 * completes the future, which wakes the benchmark thread. The pool's settings are its defaults
 * (heartbeat every 1 s, housekeeper tick every 250 ms).
 *
 * <p>One benchmark thread; the worker and the pool's threads run on whichever core is free (two on
 * the reference box). The comparison is Python's own {@code multiprocessing.Pool(1) .apply(f,
 * (x,))}, measured by {@code mp_baseline.py} in the same run of {@link MultiprocessingComparison}.
 *
 * <p>Target: each at least 3 times faster than {@code Pool(1).apply}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class WorkerRoundTripBenchmark {

  /** A pool of one JVM worker. */
  @State(Scope.Benchmark)
  public static class JvmPool {
    static final String NAME = "bench-rt-jvm";
    WorkerPool<byte[], byte[]> pool;

    @Setup(Level.Trial)
    public void start() {
      pool = WorkerBenches.jvmPool(NAME, 1, 1000);
      WorkerBenches.roundTrip(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      pool.close();
      WorkerBenches.assertNoneLeft(WorkerBenches.ofPoolName(NAME), "pool " + NAME);
    }
  }

  /** A pool of one Python worker. */
  @State(Scope.Benchmark)
  public static class PythonPool {
    static final String NAME = "bench-rt-python";
    Path script;
    WorkerPool<byte[], byte[]> pool;

    @Setup(Level.Trial)
    public void start() {
      script = WorkerBenches.writeEchoWorker();
      pool = WorkerBenches.pythonPool(NAME, 1, 1000, script);
      WorkerBenches.roundTrip(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      try {
        pool.close();
        WorkerBenches.assertNoneLeft(WorkerBenches.ofPoolName(NAME), "pool " + NAME);
      } finally {
        WorkerBenches.deleteScript(script);
      }
    }
  }

  /** One echo through a JVM worker, to the future's value. */
  @Benchmark
  public byte[] jvm(JvmPool state) throws InterruptedException, ExecutionException {
    return state.pool.submit(WorkerBenches.PAYLOAD).get();
  }

  /** One echo through a Python worker, to the future's value. */
  @Benchmark
  public byte[] python(PythonPool state) throws InterruptedException, ExecutionException {
    return state.pool.submit(WorkerBenches.PAYLOAD).get();
  }
}
