package dev.stockade.benchmarks;

import dev.stockade.WorkerPool;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * A warm round trip of a JSON object of about 4 KiB ({@link JsonPayload}) each way: {@code
 * pool.submit(object).get()} through a {@code WorkerPool} of one worker built once per trial,
 * default settings, with {@code JacksonCodec} for the input and the result ({@code Map<String,
 * Object>}). The codec writes the object on the calling thread and reads the answer on the pool's
 * reader thread; the worker parses the object and writes it back.
 *
 * <ul>
 *   <li>{@link #jvm}: a JVM worker running {@link JsonEchoHandler} (Jackson, into a {@code Map} and
 *       back).
 *   <li>{@link #python}: {@code python3 json_echo_worker.py} ({@code json.loads}, {@code
 *       json.dumps}), for the record.
 * </ul>
 *
 * <p>The comparison is {@code multiprocessing.Pool(1).apply(f, (d,))} with {@code d} the same
 * object as a {@code dict} and {@code f} returning it: pickled to the worker, unpickled, pickled
 * back and unpickled, measured by {@code mp_baseline.py} in the same run of {@link
 * MultiprocessingComparison}.
 *
 * <p>Target: the JVM worker at least 2 times faster than {@code Pool(1).apply}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class WorkerJsonBenchmark {
  static final Map<String, Object> OBJECT = JsonPayload.object();

  /** A pool of one JVM worker. */
  @State(Scope.Benchmark)
  public static class JvmPool {
    static final String NAME = "bench-json-jvm";
    WorkerPool<Map<String, Object>, Map<String, Object>> pool;

    @Setup(Level.Trial)
    public void start() {
      pool =
          WorkerBenches.builder(JsonPayload.CODEC, JsonPayload.CODEC, NAME, 1)
              .jvmWorker(JsonEchoHandler.class)
              .build();
      check(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, null);
    }
  }

  /** A pool of one Python worker. */
  @State(Scope.Benchmark)
  public static class PythonPool {
    static final String NAME = "bench-json-python";
    Path script;
    WorkerPool<Map<String, Object>, Map<String, Object>> pool;

    @Setup(Level.Trial)
    public void start() {
      script = WorkerBenches.writeWorker("json_echo_worker.py");
      pool =
          WorkerBenches.builder(JsonPayload.CODEC, JsonPayload.CODEC, NAME, 1)
              .pythonWorker(script)
              .build();
      check(pool);
    }

    @TearDown(Level.Trial)
    public void close() {
      WorkerBenches.close(pool, NAME, script);
    }
  }

  /** The object through a JVM worker and back, to the future's value. */
  @Benchmark
  public Map<String, Object> jvm(JvmPool state) throws InterruptedException, ExecutionException {
    return state.pool.submit(OBJECT).get();
  }

  /** The object through a Python worker and back, to the future's value. */
  @Benchmark
  public Map<String, Object> python(PythonPool state)
      throws InterruptedException, ExecutionException {
    return state.pool.submit(OBJECT).get();
  }

  /** One round trip, which may wait for the worker's start; its answer must equal the object. */
  private static void check(WorkerPool<Map<String, Object>, Map<String, Object>> pool) {
    try {
      Map<String, Object> answer = pool.submit(OBJECT).get(60, TimeUnit.SECONDS);
      // Compared as JSON: a number may come back as another boxed type of the same value.
      if (!Arrays.equals(JsonPayload.json(answer), JsonPayload.json(OBJECT))) {
        throw new IllegalStateException("pool " + pool.name() + " answered " + answer);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("pool " + pool.name() + " did not echo the object", e);
    }
  }
}
