package dev.stockade.benchmarks;

import dev.stockade.EnvironmentNames;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.Tags;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Persistent workers against Python's {@code multiprocessing.Pool}, in one run: the JMH worker
 * benchmarks ({@link WorkerRoundTripBenchmark}, {@link WorkerThroughputBenchmark}, {@link
 * JvmWorkerColdStartBenchmark}) and {@code mp_baseline.py}, which times {@code Pool(1).apply} and
 * {@code Pool(2).imap_unordered} itself with {@code time.perf_counter}. The Python side runs twice,
 * before and after the JMH benchmarks, and is judged on the mean of both passes, so a machine that
 * got busier or quieter during the run moves both sides of each ratio alike. Then it prints every
 * figure, each ratio against its target with PASS or MISS, and checks that no process of the run is
 * left.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.stockade.benchmarks.MultiprocessingComparison \
 *     [--json FILE] [--quick] [JMH options such as -f, -wi, -i, -jvmArgsAppend]
 * </pre>
 *
 * <p>{@code --json FILE} also writes every figure as JSON; {@code --quick} cuts every iteration
 * count (a smoke test, not a measurement). Needs {@code python3} on the {@code PATH}.
 */
public final class MultiprocessingComparison {
  static final double ROUND_TRIP_TARGET = 3.0;
  static final double THROUGHPUT_TARGET = 2.0;
  static final double COLD_START_TARGET = 1.5;

  private static final String PY_TAG_KIND = "mp";
  private static final List<String> OUR_TAG_PREFIXES =
      List.of(
          WorkerRoundTripBenchmark.JvmPool.NAME + "@",
          WorkerRoundTripBenchmark.PythonPool.NAME + "@",
          WorkerThroughputBenchmark.JvmPool.NAME + "@",
          WorkerThroughputBenchmark.PythonPool.NAME + "@",
          JvmWorkerColdStartBenchmark.NAME + "@",
          BenchProcesses.TAG_PREFIX + "cold-child@",
          BenchProcesses.TAG_PREFIX + PY_TAG_KIND + "@");

  private MultiprocessingComparison() {}

  /** One figure: a mean, its error (JMH's 99.9 % half-interval, or Python's stdev), a unit. */
  record Figure(String name, double mean, double error, String unit, List<Double> raw) {
    double median() {
      double[] v = raw.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      return v.length == 0
          ? Double.NaN
          : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
  }

  /** One comparison against its target. */
  record Row(
      String what,
      String stockade,
      String baseline,
      double ratio,
      String ratioText,
      String target,
      String verdict) {
    String markdown() {
      return "| " + String.join(" | ", what, stockade, baseline, ratioText, target, verdict) + " |";
    }
  }

  public static void main(String[] args) throws Exception {
    Path json = null;
    boolean quick = false;
    List<String> jmhArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--json") && i + 1 < args.length) {
        json = Path.of(args[++i]);
      } else if (args[i].equals("--quick")) {
        quick = true;
      } else {
        jmhArgs.add(args[i]);
      }
    }
    PrintStream out = System.out;
    String loadBefore = loadAverage();
    out.println(
        "# "
            + Runtime.getRuntime().availableProcessors()
            + " processors, Java "
            + Runtime.version()
            + ", load average "
            + loadBefore);
    Path dir = Files.createTempDirectory("stockade-bench-mp-");
    Path script = WorkerBenches.writeScript("mp_baseline.py", dir);
    List<String> pyArgs =
        quick
            ? List.of(
                "--warmup",
                "1",
                "--iterations",
                "2",
                "--apply-seconds",
                "0.5",
                "--imap-seconds",
                "0.5")
            : List.of();
    Map<String, Figure> figures = new LinkedHashMap<>();
    List<String> pythonJson = new ArrayList<>();
    try {
      out.println("# Python multiprocessing, pass 1 of 2");
      pythonJson.add(runPython(script, pyArgs, 1));
      out.println(pythonJson.get(0));

      out.println("# JMH: worker benchmarks");
      ChainedOptionsBuilder options =
          new OptionsBuilder()
              .parent(new CommandLineOptions(jmhArgs.toArray(new String[0])))
              .include("^" + Pattern.quote(WorkerRoundTripBenchmark.class.getName()) + "\\.")
              .include("^" + Pattern.quote(WorkerThroughputBenchmark.class.getName()) + "\\.")
              .include("^" + Pattern.quote(JvmWorkerColdStartBenchmark.class.getName()) + "\\.");
      if (quick) {
        options.warmupIterations(1).measurementIterations(3);
      }
      Collection<RunResult> results = new Runner(options.build()).run();
      for (RunResult r : results) {
        String full = r.getParams().getBenchmark();
        String name = full.substring(full.lastIndexOf('.', full.lastIndexOf('.') - 1) + 1);
        List<Double> raw = new ArrayList<>();
        r.getBenchmarkResults()
            .forEach(
                br ->
                    br.getIterationResults()
                        .forEach(ir -> raw.add(ir.getPrimaryResult().getScore())));
        figures.put(
            name,
            new Figure(
                name,
                r.getPrimaryResult().getScore(),
                r.getPrimaryResult().getScoreError(),
                r.getPrimaryResult().getScoreUnit(),
                raw));
      }

      out.println("# Python multiprocessing, pass 2 of 2");
      pythonJson.add(runPython(script, pyArgs, 2));
      out.println(pythonJson.get(1));
    } finally {
      Files.deleteIfExists(script);
      Files.deleteIfExists(dir);
    }
    figures.put("Pool(1).apply", pythonFigure("Pool(1).apply", pythonJson, "apply_us", "us/op"));
    figures.put(
        "Pool(2).imap_unordered",
        pythonFigure("Pool(2).imap_unordered", pythonJson, "imap_ms", "ms/op"));

    List<Row> rows = new ArrayList<>();
    Figure apply = figures.get("Pool(1).apply");
    Figure imap = figures.get("Pool(2).imap_unordered");
    rows.add(
        faster(
            "warm round trip, JVM worker vs Pool(1).apply",
            figures.get("WorkerRoundTripBenchmark.jvm"),
            apply,
            ROUND_TRIP_TARGET));
    rows.add(
        faster(
            "warm round trip, Python worker vs Pool(1).apply",
            figures.get("WorkerRoundTripBenchmark.python"),
            apply,
            ROUND_TRIP_TARGET));
    rows.add(
        faster(
            "2000 tasks on 2 JVM workers (8 in flight each) vs Pool(2).imap_unordered",
            figures.get("WorkerThroughputBenchmark.jvm"),
            imap,
            THROUGHPUT_TARGET));
    rows.add(
        faster(
            "2000 tasks on 2 Python workers (8 in flight each) vs " + "Pool(2).imap_unordered",
            figures.get("WorkerThroughputBenchmark.python"),
            imap,
            THROUGHPUT_TARGET));
    // A worker in a memory cgroup is compared with a child in one: the kernel's charging of
    // every page a JVM touches makes both slower alike. Without cgroups here, that row is out.
    Figure inCgroup = figures.get("JvmWorkerColdStartBenchmark.minimalChildWorkerFlagsInCgroup");
    if (inCgroup != null) {
      rows.add(
          slower(
              "JVM worker cold start in its cgroup vs minimal child, same flags, in a "
                  + "memory cgroup",
              figures.get("JvmWorkerColdStartBenchmark.workerPool"),
              inCgroup,
              COLD_START_TARGET));
    }
    rows.add(
        slower(
            "JVM worker cold start without cgroups vs minimal child, same flags",
            figures.get("JvmWorkerColdStartBenchmark.workerPoolWithoutCgroups"),
            figures.get("JvmWorkerColdStartBenchmark.minimalChildWorkerFlags"),
            COLD_START_TARGET));
    rows.add(
        slower(
            "JVM worker cold start, default mode, vs minimal child, same flags, no "
                + "cgroup (for the record)",
            figures.get("JvmWorkerColdStartBenchmark.workerPool"),
            figures.get("JvmWorkerColdStartBenchmark.minimalChildWorkerFlags"),
            Double.NaN));
    rows.add(
        slower(
            "JVM worker cold start without cgroups vs minimal child, no flags (for the"
                + " record)",
            figures.get("JvmWorkerColdStartBenchmark.workerPoolWithoutCgroups"),
            figures.get("JvmWorkerColdStartBenchmark.minimalChild"),
            Double.NaN));

    int leftovers = sweepLeftovers();
    String loadAfter = loadAverage();

    out.println();
    out.println(
        "# Figures (mean ± error: JMH's 99.9 % interval, or for Python the stdev of "
            + "both passes' iterations; the median of the iterations for reference)");
    for (Figure f : figures.values()) {
      out.printf(
          Locale.ROOT,
          "%-52s %10.3f ± %9.3f %-6s (median %.3f, n = %d)%n",
          f.name(),
          f.mean(),
          f.error(),
          f.unit(),
          f.median(),
          f.raw().size());
    }
    out.println();
    out.println("# Against the targets");
    out.println("| comparison | Stockade | baseline | ratio | target | verdict |");
    out.println("| --- | --- | --- | --- | --- | --- |");
    for (Row row : rows) {
      out.println(row.markdown());
    }
    out.println();
    out.println(
        "load average (1, 5, 15 min) before the run: " + loadBefore + "; after: " + loadAfter);
    out.println(
        leftovers == 0
            ? "leftover processes of this run: none"
            : "leftover processes of this run: " + leftovers + " (killed)");

    if (json != null) {
      Files.writeString(json, toJson(figures, rows, pythonJson, leftovers, loadBefore, loadAfter));
      out.println("wrote " + json);
    }
    if (leftovers != 0) {
      System.exit(1);
    }
  }

  /** Runs mp_baseline.py once, tagged; returns its JSON line. */
  private static String runPython(Path script, List<String> pyArgs, int pass)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("python3", script.toString()));
    command.addAll(pyArgs);
    ProcessBuilder pb = new ProcessBuilder(command);
    String poolId = BenchProcesses.uniquePoolId(PY_TAG_KIND);
    // Pool workers are forked from the driver and inherit its environment, so its tag too.
    pb.environment().put(EnvironmentNames.TAG, poolId + "/w" + pass);
    pb.redirectInput(new File("/dev/null"));
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    String text;
    try (InputStream in = p.getInputStream()) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    WorkerBenches.await(p, 10, TimeUnit.MINUTES);
    if (p.exitValue() != 0) {
      throw new IllegalStateException("mp_baseline.py exited " + p.exitValue() + ": " + text);
    }
    WorkerBenches.assertNoneLeft(BenchProcesses.ofPool(poolId), "mp_baseline.py");
    return text;
  }

  /** The mean of both passes' iterations; the error is their stdev. */
  private static Figure pythonFigure(String name, List<String> passes, String key, String unit) {
    List<Double> all = new ArrayList<>();
    for (String pass : passes) {
      all.addAll(numbers(pass, key + "_iterations"));
    }
    double mean = all.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    double var =
        all.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / Math.max(1, all.size() - 1);
    return new Figure(name, mean, Math.sqrt(var), unit, all);
  }

  /** The numbers of the flat JSON array {@code "key": [...]} in {@code json}. */
  private static List<Double> numbers(String json, String key) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + key + " in " + json);
    }
    List<Double> values = new ArrayList<>();
    for (String v : m.group(1).split(",", -1)) {
      values.add(Double.parseDouble(v.trim()));
    }
    return values;
  }

  /** A row where Stockade must be {@code target} times faster: ratio baseline / stockade. */
  private static Row faster(String what, Figure stockade, Figure baseline, double target) {
    String goal = String.format(Locale.ROOT, "≥ %.1f× faster", target);
    if (stockade == null || baseline == null) {
      return new Row(what, "—", "—", Double.NaN, "—", goal, "not run");
    }
    double ratio = baseline.mean() / stockade.mean();
    String said =
        ratio >= 1
            ? String.format(Locale.ROOT, "%.2f× faster", ratio)
            : String.format(Locale.ROOT, "%.2f× slower", 1 / ratio);
    return new Row(
        what,
        format(stockade),
        format(baseline),
        ratio,
        said,
        goal,
        ratio >= target ? "PASS" : "MISS");
  }

  /** A row where Stockade may take at most {@code target} times the baseline. */
  private static Row slower(String what, Figure stockade, Figure baseline, double target) {
    String goal =
        Double.isNaN(target) ? "—" : String.format(Locale.ROOT, "≤ %.1f× the child", target);
    if (stockade == null || baseline == null) {
      return new Row(what, "—", "—", Double.NaN, "—", goal, "not run");
    }
    double ratio = stockade.mean() / baseline.mean();
    String verdict = Double.isNaN(target) ? "—" : ratio <= target ? "PASS" : "MISS";
    return new Row(
        what,
        format(stockade),
        format(baseline),
        ratio,
        String.format(Locale.ROOT, "%.2f× the child", ratio),
        goal,
        verdict);
  }

  private static String format(Figure f) {
    String unit = f.unit().replace("/op", "");
    unit = unit.equals("us") ? "µs" : unit;
    return String.format(Locale.ROOT, "%.1f ± %.1f %s", f.mean(), f.error(), unit);
  }

  /**
   * Kills and counts live processes with one of this run's tag prefixes whose supervising JVM (or
   * Python driver) is this one or is gone: the JMH forks and the drivers have ended by now, so any
   * such process is a leftover. Trees of another live run are left alone.
   */
  private static int sweepLeftovers() {
    long self = ProcessHandle.current().pid();
    Predicate<String> ours =
        tag -> {
          if (OUR_TAG_PREFIXES.stream().noneMatch(tag::startsWith)) {
            return false;
          }
          long owner = Tags.supervisorPid(tag);
          return owner == self || owner < 0 || ProcessHandle.of(owner).isEmpty();
        };
    List<ProcessInfo> live = BenchProcesses.liveTagged(ours);
    if (live.isEmpty()) {
      return 0;
    }
    System.err.println("leftover processes: " + live);
    return BenchProcesses.killAll(ours, null);
  }

  private static String toJson(
      Map<String, Figure> figures,
      List<Row> rows,
      List<String> pythonJson,
      int leftovers,
      String loadBefore,
      String loadAfter) {
    StringBuilder s = new StringBuilder("{\n");
    s.append("  \"processors\": ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(",\n  \"java\": ")
        .append(quote(Runtime.version().toString()))
        .append(",\n  \"load_average_before\": ")
        .append(quote(loadBefore))
        .append(",\n  \"load_average_after\": ")
        .append(quote(loadAfter))
        .append(",\n  \"figures\": [\n");
    int i = 0;
    for (Figure f : figures.values()) {
      s.append(
          String.format(
              Locale.ROOT,
              "    {\"name\": %s, \"mean\": %s, \"error\": %s, \"median\": %s, \"unit\": %s, "
                  + "\"raw\": %s}%s%n",
              quote(f.name()),
              num(f.mean()),
              num(f.error()),
              num(f.median()),
              quote(f.unit()),
              f.raw().stream().map(MultiprocessingComparison::num).toList().toString(),
              ++i < figures.size() ? "," : ""));
    }
    s.append("  ],\n  \"comparisons\": [\n");
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      s.append(
          String.format(
              Locale.ROOT,
              "    {\"comparison\": %s, \"stockade\": %s, "
                  + "\"baseline\": %s, \"ratio\": %s, \"ratio_text\": %s, \"target\": %s, "
                  + "\"verdict\": %s}%s%n",
              quote(row.what()),
              quote(row.stockade()),
              quote(row.baseline()),
              num(row.ratio()),
              quote(row.ratioText()),
              quote(row.target()),
              quote(row.verdict()),
              r + 1 < rows.size() ? "," : ""));
    }
    s.append("  ],\n  \"python_passes\": [\n    ")
        .append(String.join(",\n    ", pythonJson))
        .append("\n  ],\n  \"leftover_processes\": ")
        .append(leftovers)
        .append("\n}\n");
    return s.toString();
  }

  /** The first three fields of {@code /proc/loadavg}: how busy the machine was. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", -1);
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String num(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
  }

  private static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
