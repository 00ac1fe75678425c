package dev.stockade.benchmarks;

import dev.stockade.Codec;
import dev.stockade.EnvironmentNames;
import dev.stockade.MemorySize;
import dev.stockade.WorkerPool;
import dev.stockade.internal.workers.JvmWorkerCommand;
import dev.stockade.worker.WorkerMain;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * A JVM worker's cold start to its first result, against the JVM's own start, single shot.
 *
 * <ul>
 *   <li>{@link #workerPool}: the first eight-byte task of a {@code WorkerPool} of one
 *       {@link EchoHandler} JVM worker that has no worker yet (the pool is built before and
 *       closed after each measurement): the worker's start, its HELLO, the task and its answer
 *       — a JVM worker's cold start to its first result.
 *   <li>{@link #minimalChild}: {@code java -cp <class path> MinimalJvmChild} through a
 *       {@code ProcessBuilder}: the same {@code java} binary and class path the worker gets,
 *       and no flags; its one line of output read to the end, then {@code waitFor()}.
 *   <li>{@link #minimalChildWorkerFlags}: the same child with exactly the flags a JVM worker is
 *       started with ({@code JvmWorkerCommand.arguments} for the default 1 GiB memory limit:
 *       {@code -Xmx614m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData}), only
 *       the main class changed. The serial collector and no perf-data file make a JVM start
 *       faster, so this is the stricter baseline: what the worker costs over a JVM started the
 *       same way.
 * </ul>
 *
 * <p>The class path is this JVM's {@code java.class.path} — the shaded benchmarks jar, about
 * 11 MB — for all three, as a JVM worker inherits it. Every child carries a benchmark tag, and
 * after each iteration a {@code /proc} walk checks none is alive.
 *
 * <p>Target: {@code workerPool} at most 1.5 times {@code minimalChildWorkerFlags} (the same
 * flags); {@code minimalChild} is for the record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, batchSize = 1)
@Measurement(iterations = 20, batchSize = 1)
public class JvmWorkerColdStartBenchmark {
  static final String NAME = "bench-cold-jvm";

  private final String childPoolId = BenchProcesses.uniquePoolId("cold-child");
  private int children;
  private List<String> plainCommand;
  private List<String> workerFlagsCommand;

  @Setup(Level.Trial)
  public void commands() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    plainCommand = List.of(java, "-cp", System.getProperty("java.class.path"),
        MinimalJvmChild.class.getName());
    // The worker's own command line, with its main class and argument swapped for the child.
    List<String> worker = JvmWorkerCommand.arguments(EchoHandler.class,
        MemorySize.ofGibibytes(1), List.of());
    int main = worker.indexOf(WorkerMain.class.getName());
    int javaAt = worker.indexOf(java);
    if (main < 0 || main != worker.size() - 2 || javaAt < 0) {
      throw new IllegalStateException("unexpected JVM worker command line: " + worker);
    }
    // From java on: the shell in front of it only moves the protocol's descriptors.
    workerFlagsCommand = new ArrayList<>(worker.subList(javaAt, main));
    workerFlagsCommand.add(MinimalJvmChild.class.getName());
  }

  private WorkerPool<byte[], byte[]> pool;

  /** A pool with no worker yet: building it is not part of a worker's start. */
  @Setup(Level.Invocation)
  public void emptyPool() {
    pool = WorkerPool.builder(Codec.bytes(), Codec.bytes()).name(NAME)
        .jvmWorker(EchoHandler.class).workers(1).shutdownHook(false).build();
  }

  @TearDown(Level.Invocation)
  public void closePool() {
    pool.close();
  }

  @TearDown(Level.Iteration)
  public void checkNoneLeft() {
    WorkerBenches.assertNoneLeft(WorkerBenches.ofPoolName(NAME), "pool " + NAME);
    WorkerBenches.assertNoneLeft(BenchProcesses.ofPool(childPoolId), "a minimal JVM child");
  }

  /** The first task of a pool with no worker: start the JVM worker, HELLO, run, answer. */
  @Benchmark
  public byte[] workerPool() throws Exception {
    byte[] echoed = pool.submit(WorkerBenches.PAYLOAD).get(60, TimeUnit.SECONDS);
    WorkerBenches.check(echoed);
    return echoed;
  }

  /** {@code java -cp <class path> MinimalJvmChild}, output read, waited for. */
  @Benchmark
  public String minimalChild() throws IOException {
    return run(plainCommand);
  }

  /** The same with a JVM worker's flags. */
  @Benchmark
  public String minimalChildWorkerFlags() throws IOException {
    return run(workerFlagsCommand);
  }

  private String run(List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put(EnvironmentNames.TAG, childPoolId + "/w" + (++children));
    pb.redirectInput(new File("/dev/null"));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    WorkerBenches.await(p, 30, TimeUnit.SECONDS);
    if (p.exitValue() != 0 || !out.equals("ok\n")) {
      throw new IllegalStateException(command + " exited " + p.exitValue() + " with '" + out
          + "'");
    }
    return out;
  }
}
