package dev.stockade.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.WorkerPool;
import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.os.ProcessInfo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * What Stockade costs a machine while it waits, for the figures of docs/decisions.md that are sizes
 * and shares of a CPU rather than times: the watchdog's resident and proportional memory (sampled
 * once a second while a pool has a tree), and the CPU an idle JVM worker and an idle Python worker
 * burn answering heartbeats (on-CPU time of every thread of the worker's tree, from {@code
 * /proc/PID/task/TID/schedstat}, over a fixed window). Not a JMH benchmark: it measures sizes and
 * shares, not the time of an operation.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.stockade.benchmarks.Footprint [--json FILE] [--quick]
 * </pre>
 */
public final class Footprint {
  private static final String IDLE_JVM = "bench-idle-jvm";
  private static final String IDLE_PYTHON = "bench-idle-python";

  private Footprint() {}

  public static void main(String[] args) throws Exception {
    Path json = null;
    boolean quick = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--json") && i + 1 < args.length) {
        json = Path.of(args[++i]);
      } else if (args[i].equals("--quick")) {
        quick = true;
      } else {
        throw new IllegalArgumentException(
            "unknown argument " + args[i] + "; allowed: --json FILE, --quick");
      }
    }
    int samples = quick ? 2 : 10;
    long idleSeconds = quick ? 2 : 20;
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode out = mapper.createObjectNode();
    out.put("samples", samples);
    out.put("idle_window_seconds", idleSeconds);
    out.set("watchdog", watchdog(mapper, samples));
    ObjectNode idle = out.putObject("idle_workers");
    Path echo = WorkerBenches.writeEchoWorker();
    try {
      idleWorker(idle, "jvm", () -> WorkerBenches.jvmPool(IDLE_JVM, 1, 1), IDLE_JVM, idleSeconds);
      idleWorker(
          idle,
          "python",
          () -> WorkerBenches.pythonPool(IDLE_PYTHON, 1, 1, echo),
          IDLE_PYTHON,
          idleSeconds);
    } finally {
      WorkerBenches.deleteScript(echo);
    }
    String text = mapper.writeValueAsString(out);
    System.out.println(text);
    if (json != null) {
      Files.writeString(json, text + "\n");
    }
    // A runtime that could not be measured is in the file as an error, and fails the step.
    if (idle.has("jvm_worker_error") || idle.has("python_worker_error")) {
      System.exit(1);
    }
  }

  /** The watchdog's VmRSS and PSS, in KiB, sampled while a pool holds a running tree. */
  private static ObjectNode watchdog(ObjectMapper mapper, int samples) throws Exception {
    ObjectNode node = mapper.createObjectNode();
    ArrayNode rss = node.putArray("rss_kib");
    ArrayNode pss = node.putArray("pss_kib");
    try (CommandPool pool =
        CommandPool.builder().name("bench-footprint").workers(1).shutdownHook(false).build()) {
      var running = pool.run(Command.of("sleep", String.valueOf(samples + 5)));
      Lifeline.get().requireRunning();
      long pid = Lifeline.get().watchdogPid();
      node.put("pid", pid);
      // The watchdog has loaded what its end needs once it is ready; a second more lets its
      // start-up garbage be collected, as it would long before anyone looks.
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
      for (int i = 0; i < samples; i++) {
        rss.add(statusKib(pid, "VmRSS:"));
        pss.add(rollupKib(pid, "Pss:"));
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
      }
      running.cancel(true);
    }
    return node;
  }

  /**
   * Percent of one CPU an idle worker's tree used over {@code seconds}, after one task, as {@code
   * <kind>_worker_percent_of_one_cpu}; or {@code <kind>_worker_error} if it could not be measured.
   */
  private static void idleWorker(
      ObjectNode node,
      String kind,
      Supplier<WorkerPool<byte[], byte[]>> pools,
      String name,
      long seconds) {
    try (WorkerPool<byte[], byte[]> pool = pools.get()) {
      WorkerBenches.roundTrip(pool);
      List<ProcessInfo> tree = BenchProcesses.liveTagged(WorkerBenches.ofPoolName(name));
      long before = onCpuNanos(tree);
      long start = System.nanoTime();
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(seconds));
      long used = onCpuNanos(tree) - before;
      double wall = System.nanoTime() - start;
      node.put(kind + "_worker_percent_of_one_cpu", 100.0 * used / wall);
      node.put(kind + "_worker_processes", tree.size());
    } catch (IOException | RuntimeException e) {
      node.put(kind + "_worker_error", e.toString());
    }
    WorkerBenches.assertNoneLeft(WorkerBenches.ofPoolName(name), name);
  }

  /** Time on a CPU of every thread of {@code processes}, from each thread's schedstat. */
  private static long onCpuNanos(List<ProcessInfo> processes) throws IOException {
    long total = 0;
    for (ProcessInfo p : processes) {
      Path tasks = Path.of("/proc", String.valueOf(p.pid()), "task");
      try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
        for (Path thread : threads) {
          String[] f = Files.readString(thread.resolve("schedstat")).trim().split(" ", -1);
          total += Long.parseLong(f[0]);
        }
      }
    }
    return total;
  }

  private static long statusKib(long pid, String key) throws IOException {
    return kib(Path.of("/proc", String.valueOf(pid), "status"), key);
  }

  private static long rollupKib(long pid, String key) throws IOException {
    return kib(Path.of("/proc", String.valueOf(pid), "smaps_rollup"), key);
  }

  /** The value in kB of the line starting with {@code key} in a /proc file. */
  private static long kib(Path file, String key) throws IOException {
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith(key)) {
        String[] f = line.substring(key.length()).trim().split("\\s+", -1);
        return Long.parseLong(f[0]);
      }
    }
    throw new IllegalStateException(
        String.format(Locale.ROOT, "no %s in %s", key, file.toString()));
  }
}
