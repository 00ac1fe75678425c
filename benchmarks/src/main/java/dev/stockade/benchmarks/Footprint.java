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
    out.set("idle_workers", idleWorkers(mapper, idleSeconds));
    String text = mapper.writeValueAsString(out);
    System.out.println(text);
    if (json != null) {
      Files.writeString(json, text + "\n");
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

  /** Percent of one CPU each idle worker's tree used over {@code seconds}, after one task. */
  private static ObjectNode idleWorkers(ObjectMapper mapper, long seconds) throws Exception {
    ObjectNode node = mapper.createObjectNode();
    Path echo = WorkerBenches.writeEchoWorker();
    try (WorkerPool<byte[], byte[]> jvm = WorkerBenches.jvmPool(IDLE_JVM, 1, 1);
        WorkerPool<byte[], byte[]> python = WorkerBenches.pythonPool(IDLE_PYTHON, 1, 1, echo)) {
      WorkerBenches.roundTrip(jvm);
      WorkerBenches.roundTrip(python);
      List<ProcessInfo> jvmTree = BenchProcesses.liveTagged(WorkerBenches.ofPoolName(IDLE_JVM));
      List<ProcessInfo> pyTree = BenchProcesses.liveTagged(WorkerBenches.ofPoolName(IDLE_PYTHON));
      long jvmBefore = onCpuNanos(jvmTree);
      long pyBefore = onCpuNanos(pyTree);
      long start = System.nanoTime();
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(seconds));
      long jvmUsed = onCpuNanos(jvmTree) - jvmBefore;
      long pyUsed = onCpuNanos(pyTree) - pyBefore;
      double wall = System.nanoTime() - start;
      node.put("jvm_worker_percent_of_one_cpu", 100.0 * jvmUsed / wall);
      node.put("jvm_worker_processes", jvmTree.size());
      node.put("python_worker_percent_of_one_cpu", 100.0 * pyUsed / wall);
      node.put("python_worker_processes", pyTree.size());
    } finally {
      WorkerBenches.deleteScript(echo);
    }
    WorkerBenches.assertNoneLeft(WorkerBenches.ofPoolName(IDLE_JVM), IDLE_JVM);
    WorkerBenches.assertNoneLeft(WorkerBenches.ofPoolName(IDLE_PYTHON), IDLE_PYTHON);
    return node;
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
