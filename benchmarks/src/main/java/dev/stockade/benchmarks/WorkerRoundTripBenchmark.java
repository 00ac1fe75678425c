package dev.stockade.benchmarks;

import dev.stockade.Codec;
import dev.stockade.WorkerPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
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
 * thread; the worker takes it off the pipe (the JVM worker on the request thread that then runs the
 * handler; the idle Python worker on its main thread, which runs handlers) and runs the handler,
 * and writes the RESULT. A caller in {@code get()} or {@code join()} spins for up to 50 µs reading
 * the worker's pipe itself, and decodes the RESULT and completes the future on its own thread; only
 * once it parks does the pool's reader thread for that worker take the RESULT, complete the future
 * and wake it. The pool's settings are its defaults (heartbeat every 1 s, housekeeper tick every
 * 250 ms).
 *
 * <p>The same round trip through the other ways of waiting for a future, each against the plain
 * {@code get()} of its runtime:
 *
 * <ul>
 *   <li>{@code ...ThenApplyJoin}: {@code submit(x).thenApply(f).join()}, {@code f} the length of
 *       the answer: the caller waits on the dependent future.
 *   <li>{@code ...WhenComplete}: {@code submit(x).whenComplete(cb)}, the benchmark thread waiting
 *       on a {@code CountDownLatch} the callback counts down: a caller that never touches the
 *       future, so nobody spins; the reader thread completes the future and the pool's callback
 *       executor runs the callback.
 *   <li>{@code ...WhenCompleteJoin}: {@code submit(x).whenComplete(cb).join()}.
 *   <li>{@code ...Parked}: {@code get()} on a pool built with {@code waitSpin(Duration.ZERO)},
 *       whose callers park at once: the reader thread reads the answer and wakes the caller. The
 *       floor of every wait in which the caller's thread sleeps, the latch of {@code
 *       ...WhenComplete} included.
 * </ul>
 *
 * <p>One benchmark thread; the worker and the pool's threads run on whichever core is free (two on
 * the reference box). The comparison is Python's own {@code multiprocessing.Pool(1) .apply(f,
 * (x,))}, measured by {@code mp_baseline.py} in the same run of {@link MultiprocessingComparison}.
 *
 * <p>Also compared, in that run, with a raw {@code multiprocessing.Pipe} round trip to a child
 * process that echoes.
 *
 * <p>Targets: each at least as fast as the fastest raw {@code Pipe} round trip, and 3 times faster
 * than {@code Pool(1).apply}; each other way of waiting within 1.5 times its {@code get()}.
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
      WorkerBenches.close(pool, NAME, null);
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
      WorkerBenches.close(pool, NAME, script);
    }
  }

  /**
   * A pool of one JVM worker whose callers park at once ({@code waitSpin(Duration.ZERO)}): the
   * floor of any wait in which the caller's thread sleeps until the answer is in.
   */
  @State(Scope.Benchmark)
  public static class JvmParkedPool {
    static final String NAME = "bench-rt-jvm-parked";
    WorkerPool<byte[], byte[]> pool;

    @Setup(Level.Trial)
    public void start() {
      pool =
          WorkerBenches.builder(Codec.bytes(), Codec.bytes(), NAME, 1)
              .jvmWorker(EchoHandler.class)
              .queueCapacity(1000)
              .waitSpin(Duration.ZERO)
              .build();
      WorkerBenches.roundTrip(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, null);
    }
  }

  /** A pool of one Python worker whose callers park at once. */
  @State(Scope.Benchmark)
  public static class PythonParkedPool {
    static final String NAME = "bench-rt-python-parked";
    Path script;
    WorkerPool<byte[], byte[]> pool;

    @Setup(Level.Trial)
    public void start() {
      script = WorkerBenches.writeEchoWorker();
      pool =
          WorkerBenches.builder(Codec.bytes(), Codec.bytes(), NAME, 1)
              .pythonWorker(script)
              .queueCapacity(1000)
              .waitSpin(Duration.ZERO)
              .build();
      WorkerBenches.roundTrip(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, script);
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

  /** One echo through a JVM worker, to the future's value, its caller parked at once. */
  @Benchmark
  public byte[] jvmParked(JvmParkedPool state) throws InterruptedException, ExecutionException {
    return state.pool.submit(WorkerBenches.PAYLOAD).get();
  }

  /** One echo through a Python worker, to the future's value, its caller parked at once. */
  @Benchmark
  public byte[] pythonParked(PythonParkedPool state)
      throws InterruptedException, ExecutionException {
    return state.pool.submit(WorkerBenches.PAYLOAD).get();
  }

  /** One echo through a JVM worker, waited for on a dependent stage. */
  @Benchmark
  public int jvmThenApplyJoin(JvmPool state) {
    return state.pool.submit(WorkerBenches.PAYLOAD).thenApply(b -> b.length).join();
  }

  /** One echo through a Python worker, waited for on a dependent stage. */
  @Benchmark
  public int pythonThenApplyJoin(PythonPool state) {
    return state.pool.submit(WorkerBenches.PAYLOAD).thenApply(b -> b.length).join();
  }

  /** One echo through a JVM worker, waited for on a latch its callback counts down. */
  @Benchmark
  public int jvmWhenComplete(JvmPool state) throws InterruptedException {
    return whenComplete(state.pool);
  }

  /** One echo through a Python worker, waited for on a latch its callback counts down. */
  @Benchmark
  public int pythonWhenComplete(PythonPool state) throws InterruptedException {
    return whenComplete(state.pool);
  }

  /** One echo through a JVM worker, waited for on the future {@code whenComplete} returns. */
  @Benchmark
  public byte[] jvmWhenCompleteJoin(JvmPool state) {
    return state
        .pool
        .submit(WorkerBenches.PAYLOAD)
        .whenComplete(WorkerRoundTripBenchmark::seen)
        .join();
  }

  /** One echo through a Python worker, waited for on the future {@code whenComplete} returns. */
  @Benchmark
  public byte[] pythonWhenCompleteJoin(PythonPool state) {
    return state
        .pool
        .submit(WorkerBenches.PAYLOAD)
        .whenComplete(WorkerRoundTripBenchmark::seen)
        .join();
  }

  private static int whenComplete(WorkerPool<byte[], byte[]> pool) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    int[] length = {-1};
    @SuppressWarnings("FutureReturnValueIgnored") // the latch is the caller's way to wait
    Object unused =
        pool.submit(WorkerBenches.PAYLOAD)
            .whenComplete(
                (answer, failure) -> {
                  length[0] = failure == null ? answer.length : -1;
                  done.countDown();
                });
    done.await();
    if (length[0] != WorkerBenches.PAYLOAD.length) {
      throw new IllegalStateException("the echo failed or came back changed");
    }
    return length[0];
  }

  /** The callback of the {@code whenComplete} benchmarks: a failure must not pass unseen. */
  private static void seen(byte[] answer, Throwable failure) {
    if (failure != null) {
      throw new IllegalStateException("the echo failed", failure);
    }
  }
}
