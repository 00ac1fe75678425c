package dev.stockade.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stockade.CgroupMode;
import dev.stockade.CommandPool;
import dev.stockade.CommandResult;
import dev.stockade.PoolSnapshot;
import dev.stockade.WorkerSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What supervising idle trees costs the supervising JVM itself, in CPU: for each cgroup mode and
 * each number of trees, a {@link CommandPool} at its defaults (but {@code workers} and {@code
 * cgroupMode}) holds that many trees of 10 processes that do nothing ({@code sh -c} starting 9
 * {@code sleep 600.NNNNNN} in the background and waiting), and this JVM's own CPU time ({@code
 * /proc/self/stat}, user plus system) is measured over a window, less the same measure of this JVM
 * with no pool, taken first. Not JMH: the cost is the whole JVM's, every thread of it. Before the
 * baseline, each mode holds the largest number of trees for the settle time once, unmeasured, so
 * that the JIT compiler's work (a one-off cost of a JVM's first minutes) falls in no window.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.stockade.benchmarks.SupervisorCost \
 *     [--trees 16,64] [--modes auto,none] [--window SECONDS] [--settle SECONDS] [--quick] \
 *     [--json FILE]
 * </pre>
 *
 * <p>For each case it prints the share of one core the pool costs, the CPU per tree per second
 * (that share divided among the trees), the JVM's thread count, and the thread groups that used the
 * most CPU in the window ({@code /proc/self/task}, names cut to 15 characters by the kernel: the
 * pool is named {@code cost}, so {@code stockade-cost-h} is its housekeeper, {@code
 * stockade-cost-i} its I/O threads, {@code stockade-cost-t} its timer, {@code stockade-cost-s} its
 * spawner). Before measuring it waits, up to a bound, until {@code /proc} shows all 10 processes of
 * every tree and the pool's snapshot counts 10 in each, then lets the JVM settle. After closing the
 * pool it checks, by scanning every {@code /proc/PID/cmdline} for the case's {@code sleep}
 * argument, that no process of the trees is left alive, kills any it finds and fails.
 *
 * <p>The CPU times are in clock ticks (10 ms at the usual 100 per second): over the default 20 s
 * window one tick is 0.05 % of one core. The machine's other work shows up in none of these figures
 * directly, but a loaded machine makes every thread slower, so the load average before and after is
 * printed too.
 */
public final class SupervisorCost {
  private static final Duration START_BOUND = Duration.ofMinutes(2);
  private static final Duration LEFTOVER_BOUND = Duration.ofSeconds(10);
  private static final String POOL_NAME = "cost";

  private SupervisorCost() {}

  /** What one window measured. */
  private record Window(
      double percent,
      int threadsAtEnd,
      long ticks,
      long wallNanos,
      Map<String, Long> groups,
      Map<String, Integer> threadsByGroup) {}

  public static void main(String[] args) throws Exception {
    List<Integer> trees = List.of(16, 64);
    List<CgroupMode> modes = List.of(CgroupMode.AUTO, CgroupMode.NONE);
    Integer window = null;
    Integer settle = null;
    boolean quick = false;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      boolean hasValue = i + 1 < args.length;
      if (a.equals("--trees") && hasValue) {
        trees = new ArrayList<>();
        for (String n : args[++i].split(",", -1)) {
          trees.add(Integer.parseInt(n.strip()));
        }
      } else if (a.equals("--modes") && hasValue) {
        List<CgroupMode> m = new ArrayList<>();
        for (String n : args[++i].split(",", -1)) {
          m.add(CgroupMode.valueOf(n.strip().toUpperCase(Locale.ROOT)));
        }
        modes = m;
      } else if (a.equals("--window") && hasValue) {
        window = Integer.parseInt(args[++i]);
      } else if (a.equals("--settle") && hasValue) {
        settle = Integer.parseInt(args[++i]);
      } else if (a.equals("--quick")) {
        quick = true;
      } else if (a.equals("--json") && hasValue) {
        json = Path.of(args[++i]);
      } else {
        throw new IllegalArgumentException(
            "unknown argument "
                + a
                + "; allowed: --trees N,N --modes auto,none --window SECONDS --settle SECONDS"
                + " --quick --json FILE");
      }
    }
    Duration windowLength = Duration.ofSeconds(window != null ? window : quick ? 3 : 20);
    Duration settleLength = Duration.ofSeconds(settle != null ? settle : quick ? 1 : 30);

    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode out = mapper.createObjectNode();
    out.put("clock_ticks_per_second", OwnCpu.TICKS_PER_SECOND);
    out.put("window_seconds", windowLength.toSeconds());
    out.put("settle_seconds", settleLength.toSeconds());
    out.put("processes_per_tree", IdleTrees.PROCESSES_PER_TREE);
    out.put("processors", Runtime.getRuntime().availableProcessors());
    out.put("load_before", loadAverage());

    // Every mode once, unmeasured, at the largest count: no case pays for the compiler.
    int most = trees.stream().mapToInt(Integer::intValue).max().orElse(0);
    for (CgroupMode mode : modes) {
      warmUp(mode, most, settleLength);
    }
    System.out.printf(
        Locale.ROOT,
        "warmed up: %d trees held for %d s in each mode%n",
        most,
        settleLength.toSeconds());

    // The JVM with no pool: what every case's figure is measured against.
    pause(settleLength);
    Window baseline = measure(windowLength);
    out.set("baseline", windowJson(mapper, baseline));
    System.out.printf(
        Locale.ROOT,
        "baseline (no pool): %.2f %% of one core, %d threads, over %d s%n",
        baseline.percent(),
        baseline.threadsAtEnd(),
        windowLength.toSeconds());

    ArrayNode rows = out.putArray("cases");
    List<String> lines = new ArrayList<>();
    boolean failed = false;
    for (CgroupMode mode : modes) {
      for (int n : trees) {
        ObjectNode row = rows.addObject();
        try {
          lines.add(measureCase(mode, n, settleLength, windowLength, baseline, row));
        } catch (RuntimeException | IOException e) {
          row.put("mode", mode.name());
          row.put("trees", n);
          row.put("error", e.toString());
          lines.add(String.format(Locale.ROOT, "%-5s %6d  failed: %s", mode, n, e));
          failed = true;
        }
        failed |= row.path("left_alive").asInt(0) > 0;
      }
    }

    pause(settleLength);
    Window after = measure(windowLength);
    out.set("baseline_after", windowJson(mapper, after));
    out.put("load_after", loadAverage());

    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%-5s %6s %10s %10s %14s %8s  %s%n",
        "mode",
        "trees",
        "% core",
        "raw %",
        "µs/tree/s",
        "threads",
        "top threads (% of one core)");
    lines.forEach(System.out::println);
    System.out.printf(
        Locale.ROOT,
        "%nbaseline %.2f %% of one core (%d threads) before, %.2f %% (%d threads) after;"
            + " window %d s, %d clock ticks/s; load %s before, %s after%n",
        baseline.percent(),
        baseline.threadsAtEnd(),
        after.percent(),
        after.threadsAtEnd(),
        windowLength.toSeconds(),
        OwnCpu.TICKS_PER_SECOND,
        out.get("load_before").asText(),
        out.get("load_after").asText());
    if (json != null) {
      Files.writeString(json, mapper.writeValueAsString(out) + "\n");
    }
    if (failed) {
      System.exit(1);
    }
  }

  /** One mode and tree count: start, wait, settle, measure, close, check. Returns its line. */
  private static String measureCase(
      CgroupMode mode,
      int n,
      Duration settle,
      Duration windowLength,
      Window baseline,
      ObjectNode row)
      throws IOException {
    IdleTrees idle = new IdleTrees();
    row.put("mode", mode.name());
    row.put("trees", n);
    row.put("marker", idle.marker());
    Window w;
    String containment;
    try (CommandPool pool =
        CommandPool.builder().name(POOL_NAME).workers(n).cgroupMode(mode).build()) {
      startAll(pool, idle, n);
      containment = pool.snapshot().containment();
      pause(settle);
      w = measure(windowLength);
      if (idle.alive().size() != n * IdleTrees.PROCESSES_PER_TREE) {
        throw new IllegalStateException("a tree changed during the window");
      }
    }
    // close() returned: every tree is verified gone by the pool. The witness is /proc itself.
    List<Long> left = idle.killLeftAfter(LEFTOVER_BOUND);
    double net = w.percent() - baseline.percent();
    double microsPerTreePerSecond = net / 100 * 1e6 / n;
    row.put("containment", containment);
    row.put("processes", n * IdleTrees.PROCESSES_PER_TREE);
    row.put("percent_of_one_core", round(net));
    row.put("raw_percent_of_one_core", round(w.percent()));
    row.put("cpu_micros_per_tree_per_second", round(microsPerTreePerSecond));
    row.put("threads", w.threadsAtEnd());
    row.put("threads_per_tree", round((double) (w.threadsAtEnd() - baseline.threadsAtEnd()) / n));
    row.put("ticks", w.ticks());
    row.put("wall_seconds", round(w.wallNanos() / 1e9));
    ObjectNode groups = row.putObject("thread_groups_percent_of_one_core");
    top(w, Integer.MAX_VALUE).forEach(e -> groups.put(e.getKey(), round(percent(w, e))));
    ObjectNode counts = row.putObject("threads_by_group");
    w.threadsByGroup().entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
        .forEach(e -> counts.put(e.getKey(), e.getValue()));
    row.put("left_alive", left.size());
    StringBuilder topThreads = new StringBuilder();
    for (Map.Entry<String, Long> e : top(w, 3)) {
      topThreads.append(String.format(Locale.ROOT, "%s %.2f; ", e.getKey(), percent(w, e)));
    }
    return String.format(
        Locale.ROOT,
        "%-5s %6d %10.2f %10.2f %14.1f %8d  %s%s",
        mode,
        n,
        net,
        w.percent(),
        microsPerTreePerSecond,
        w.threadsAtEnd(),
        topThreads,
        left.isEmpty() ? "" : " LEFT ALIVE: " + left);
  }

  /**
   * Holds {@code n} trees in a pool of {@code mode} for {@code length}, measuring nothing, so that
   * the code every case runs is compiled before any window: a long-running application's supervisor
   * is warm, and the compiler's threads would otherwise be charged to whichever case runs first.
   */
  private static void warmUp(CgroupMode mode, int n, Duration length) throws IOException {
    IdleTrees idle = new IdleTrees();
    try (CommandPool pool =
        CommandPool.builder().name(POOL_NAME).workers(n).cgroupMode(mode).build()) {
      startAll(pool, idle, n);
      pause(length);
    }
    List<Long> left = idle.killLeftAfter(LEFTOVER_BOUND);
    if (!left.isEmpty()) {
      throw new IllegalStateException("the warm-up in " + mode + " left alive " + left);
    }
  }

  /** Starts {@code n} idle trees and waits until /proc and the pool count all their processes. */
  private static void startAll(CommandPool pool, IdleTrees idle, int n) {
    List<CompletableFuture<CommandResult>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(pool.run(idle.command()));
    }
    int expected = n * IdleTrees.PROCESSES_PER_TREE;
    awaitOrThrow(
        START_BOUND,
        () -> idle.alive().size() == expected && allSampledWhole(pool.snapshot(), n),
        () ->
            "not all "
                + n
                + " trees of "
                + IdleTrees.PROCESSES_PER_TREE
                + " processes are running: /proc shows "
                + idle.alive().size()
                + " of "
                + expected);
    for (CompletableFuture<CommandResult> f : futures) {
      if (f.isDone()) {
        throw new IllegalStateException("a tree ended before the window: " + f);
      }
    }
  }

  /** Whether the pool has {@code n} trees and its last tick counted all their processes. */
  private static boolean allSampledWhole(PoolSnapshot snapshot, int n) {
    List<WorkerSnapshot> workers = snapshot.workers();
    return workers.size() == n
        && workers.stream().allMatch(w -> w.processCountNow() == IdleTrees.PROCESSES_PER_TREE);
  }

  private static Window measure(Duration length) throws IOException {
    OwnCpu.Reading before = OwnCpu.read();
    pause(length);
    OwnCpu.Reading after = OwnCpu.read();
    long ticks = after.processTicks() - before.processTicks();
    long wall = after.wallNanos() - before.wallNanos();
    return new Window(
        OwnCpu.percentOfOneCore(ticks, wall),
        after.threads(),
        ticks,
        wall,
        OwnCpu.ticksByGroup(before, after),
        OwnCpu.threadsByGroup(after));
  }

  private static List<Map.Entry<String, Long>> top(Window w, int count) {
    return w.groups().entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
        .limit(count)
        .toList();
  }

  private static double percent(Window w, Map.Entry<String, Long> group) {
    return OwnCpu.percentOfOneCore(group.getValue(), w.wallNanos());
  }

  private static ObjectNode windowJson(ObjectMapper mapper, Window w) {
    ObjectNode node = mapper.createObjectNode();
    node.put("percent_of_one_core", round(w.percent()));
    node.put("threads", w.threadsAtEnd());
    node.put("ticks", w.ticks());
    node.put("wall_seconds", round(w.wallNanos() / 1e9));
    ObjectNode groups = node.putObject("thread_groups_percent_of_one_core");
    top(w, Integer.MAX_VALUE).forEach(e -> groups.put(e.getKey(), round(percent(w, e))));
    return node;
  }

  private static boolean await(Duration bound, BooleanSupplier condition) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    return true;
  }

  private static void awaitOrThrow(
      Duration bound, BooleanSupplier condition, Supplier<String> why) {
    if (!await(bound, condition)) {
      throw new IllegalStateException(why.get() + " after " + bound.toSeconds() + " s");
    }
  }

  /** Sleeps for {@code length}: the window itself, not a wait for a condition. */
  private static void pause(Duration length) {
    long deadline = System.nanoTime() + length.toNanos();
    for (long left = length.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
