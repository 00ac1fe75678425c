package dev.stockade.benchmarks;

import dev.stockade.CgroupMode;
import dev.stockade.Codec;
import dev.stockade.EnvironmentNames;
import dev.stockade.MemorySize;
import dev.stockade.WorkerPool;
import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.cgroup.CgroupSelection;
import dev.stockade.internal.cgroup.WorkerCgroup;
import dev.stockade.internal.workers.JvmWorkerCommand;
import dev.stockade.worker.WorkerMain;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
 *   <li>{@link #workerPool}: the first eight-byte task of a {@code WorkerPool} of one {@link
 *       EchoHandler} JVM worker that has no worker yet (the pool is built before and closed after
 *       each measurement): the worker's start, its HELLO, the task and its answer — a JVM worker's
 *       cold start to its first result — in the default cgroup mode: in a cgroup of its own where
 *       the machine allows it.
 *   <li>{@link #workerPoolWithoutCgroups}: the same, with {@code cgroupMode(NONE)}.
 *   <li>{@link #minimalChildWorkerFlagsInCgroup}: the child below with the worker's flags, joining
 *       a fresh memory cgroup with the worker's limit first, as a worker does. A JVM starts 8–12 ms
 *       slower in a memory cgroup on the reference machine whoever starts it; this is the baseline
 *       for {@link #workerPool} when it runs in one.
 *   <li>{@link #minimalChild}: {@code java -cp <class path> MinimalJvmChild} through a {@code
 *       ProcessBuilder}: the same {@code java} binary and class path the worker gets, and no flags;
 *       its one line of output read to the end, then {@code waitFor()}.
 *   <li>{@link #minimalChildWorkerFlags}: the same child with exactly the flags a JVM worker is
 *       started with ({@code JvmWorkerCommand.arguments} for the default 1 GiB memory limit: {@code
 *       -Xmx614m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData}), only the main
 *       class changed. The serial collector and no perf-data file make a JVM start faster, so this
 *       is the stricter baseline: what the worker costs over a JVM started the same way.
 * </ul>
 *
 * <p>The class path is this JVM's {@code java.class.path} — the shaded benchmarks jar, about 11 MB
 * — for all three, as a JVM worker inherits it. Every child carries a benchmark tag, and after each
 * iteration a {@code /proc} walk checks none is alive.
 *
 * <p>Target: at most 1.5 times the child started the same way: {@code workerPool} against {@code
 * minimalChildWorkerFlagsInCgroup} (where cgroups are usable), and {@code workerPoolWithoutCgroups}
 * against {@code minimalChildWorkerFlags}; the other pairs are for the record.
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
    plainCommand =
        List.of(
            java, "-cp", System.getProperty("java.class.path"), MinimalJvmChild.class.getName());
    // The worker's own command line, with its main class and argument swapped for the child.
    List<String> worker =
        JvmWorkerCommand.arguments(EchoHandler.class, MemorySize.ofGibibytes(1), List.of());
    int main = worker.indexOf(WorkerMain.class.getName());
    int javaAt = worker.indexOf(java);
    if (main < 0 || main != worker.size() - 2 || javaAt < 0) {
      throw new IllegalStateException("unexpected JVM worker command line: " + worker);
    }
    // From java on: the shell in front of it only moves the protocol's descriptors.
    workerFlagsCommand = new ArrayList<>(worker.subList(javaAt, main));
    workerFlagsCommand.add(MinimalJvmChild.class.getName());
    cgroups = CgroupProbe.select(CgroupMode.AUTO);
  }

  private WorkerPool<byte[], byte[]> pool;
  private WorkerPool<byte[], byte[]> sessionPool;
  private CgroupSelection cgroups;
  private WorkerCgroup childGroup;
  private int childGroups;

  /**
   * Pools with no worker yet, one in the default cgroup mode and one without cgroups, and a fresh
   * memory cgroup for a child: making them is not part of a start.
   */
  @Setup(Level.Invocation)
  public void emptyPools() throws IOException {
    pool = emptyPool(CgroupMode.AUTO);
    sessionPool = emptyPool(CgroupMode.NONE);
    if (cgroups.base().isPresent()) {
      childGroup = cgroups.base().get().worker(childPoolId, "c" + (++childGroups));
      childGroup.create();
      if (cgroups.base().get().hasMemoryController()) {
        childGroup.setMemoryMax(MemorySize.ofGibibytes(1).toBytes());
      }
    }
  }

  private static WorkerPool<byte[], byte[]> emptyPool(CgroupMode mode) {
    return WorkerPool.builder(Codec.bytes(), Codec.bytes())
        .name(NAME)
        .cgroupMode(mode)
        .jvmWorker(EchoHandler.class)
        .workers(1)
        .shutdownHook(false)
        .build();
  }

  @TearDown(Level.Invocation)
  public void closePools() throws IOException {
    pool.close();
    sessionPool.close();
    if (childGroup != null) {
      childGroup.killAll();
      childGroup.awaitEmpty(Duration.ofSeconds(5));
      childGroup.remove();
      childGroup = null;
    }
  }

  @TearDown(Level.Trial)
  public void removeChildCgroups() throws IOException {
    if (cgroups.base().isPresent()) {
      cgroups.base().get().removePool(childPoolId, Duration.ofSeconds(5));
    }
  }

  @TearDown(Level.Iteration)
  public void checkNoneLeft() {
    WorkerBenches.assertNoneLeft(WorkerBenches.ofPoolName(NAME), "pool " + NAME);
    WorkerBenches.assertNoneLeft(BenchProcesses.ofPool(childPoolId), "a minimal JVM child");
  }

  /**
   * The first task of a pool with no worker, in the default cgroup mode (a cgroup of its own where
   * the machine allows it): start the JVM worker, HELLO, run, answer.
   */
  @Benchmark
  public byte[] workerPool() throws Exception {
    byte[] echoed = pool.submit(WorkerBenches.PAYLOAD).get(60, TimeUnit.SECONDS);
    WorkerBenches.check(echoed);
    return echoed;
  }

  /** The same in a pool told {@code cgroupMode(NONE)}. */
  @Benchmark
  public byte[] workerPoolWithoutCgroups() throws Exception {
    byte[] echoed = sessionPool.submit(WorkerBenches.PAYLOAD).get(60, TimeUnit.SECONDS);
    WorkerBenches.check(echoed);
    return echoed;
  }

  /**
   * The child with a JVM worker's flags, joining a fresh memory cgroup with the worker's limit
   * before it execs, as a worker does: a JVM starts slower in a memory cgroup (the kernel charges
   * every page it touches), which is the machine's cost, not the pool's.
   */
  @Benchmark
  public String minimalChildWorkerFlagsInCgroup() throws IOException {
    if (childGroup == null) {
      throw new IllegalStateException("no usable cgroups here: " + cgroups.description());
    }
    StringBuilder join = new StringBuilder();
    for (Path procs : childGroup.procsFiles()) {
      join.append("echo $$ > '").append(procs).append("' || exit 125\n");
    }
    List<String> command =
        new ArrayList<>(List.of("/bin/sh", "-c", join + "exec \"$@\"", "cold-child"));
    command.addAll(workerFlagsCommand);
    return run(command);
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
      throw new IllegalStateException(command + " exited " + p.exitValue() + " with '" + out + "'");
    }
    return out;
  }
}
