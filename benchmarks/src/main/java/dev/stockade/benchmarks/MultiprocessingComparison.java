package dev.stockade.benchmarks;

import dev.stockade.benchmarks.ComparisonRows.Figure;
import dev.stockade.benchmarks.ComparisonRows.Row;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.Tags;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Persistent workers against Python's {@code multiprocessing}, in one run: the JMH worker
 * benchmarks ({@link WorkerMapBenchmark}, {@link WorkerThroughputBenchmark}, {@link
 * WorkerRoundTripBenchmark}, {@link WorkerJsonBenchmark}, {@link JvmWorkerColdStartBenchmark}) and
 * {@code mp_baseline.py}, which times {@code Pool(2).map}, {@code Pool(2).imap_unordered}, {@code
 * Pool(1).apply} (of eight bytes and of a dict) and raw {@code Pipe} round trips itself with {@code
 * time.perf_counter}. {@link ComparisonRows} says what is compared with what. The Python side runs
 * twice, before and after the JMH benchmarks, and is judged on the mean of both passes, so a
 * machine that got busier or quieter during the run moves both sides of each ratio alike. Then it
 * prints every figure, each ratio against its target with PASS or MISS, and checks that no process
 * of the run is left.
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
  private static final List<Class<?>> BENCHMARKS =
      List.of(
          WorkerMapBenchmark.class,
          WorkerThroughputBenchmark.class,
          WorkerRoundTripBenchmark.class,
          WorkerJsonBenchmark.class,
          JvmWorkerColdStartBenchmark.class);

  private static final List<String> OUR_TAG_PREFIXES =
      List.of(
          WorkerMapBenchmark.JvmPool.NAME + "@",
          WorkerMapBenchmark.PythonPool.NAME + "@",
          WorkerThroughputBenchmark.JvmPool.NAME + "@",
          WorkerThroughputBenchmark.PythonPool.NAME + "@",
          WorkerThroughputBenchmark.JvmDefaultPool.NAME + "@",
          WorkerThroughputBenchmark.PythonDefaultPool.NAME + "@",
          WorkerRoundTripBenchmark.JvmPool.NAME + "@",
          WorkerRoundTripBenchmark.PythonPool.NAME + "@",
          WorkerRoundTripBenchmark.JvmParkedPool.NAME + "@",
          WorkerRoundTripBenchmark.PythonParkedPool.NAME + "@",
          WorkerJsonBenchmark.JvmPool.NAME + "@",
          WorkerJsonBenchmark.PythonPool.NAME + "@",
          JvmWorkerColdStartBenchmark.NAME + "@",
          BenchProcesses.TAG_PREFIX + "cold-child@",
          BenchProcesses.TAG_PREFIX + PythonBaseline.TAG_KIND + "@");

  private MultiprocessingComparison() {}

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
    String cpus = cpusAllowed();
    out.println(
        "# "
            + Runtime.getRuntime().availableProcessors()
            + " processors (CPUs allowed: "
            + cpus
            + "), Java "
            + Runtime.version()
            + ", load average "
            + loadBefore);
    Path dir = Files.createTempDirectory("stockade-bench-mp-");
    Path script = WorkerBenches.writeScript("mp_baseline.py", dir);
    Path object = dir.resolve("object.json");
    Files.write(object, JsonPayload.json(WorkerJsonBenchmark.OBJECT));
    List<String> pyArgs = PythonBaseline.arguments(quick, object);
    Map<String, Figure> figures = new LinkedHashMap<>();
    List<String> pythonJson = new ArrayList<>();
    try {
      out.println("# Python multiprocessing, pass 1 of 2");
      pythonJson.add(PythonBaseline.run(script, pyArgs, 1));
      out.println(pythonJson.get(0));

      out.println("# JMH: worker benchmarks");
      figures.putAll(runJmh(jmhArgs, quick));

      out.println("# Python multiprocessing, pass 2 of 2");
      pythonJson.add(PythonBaseline.run(script, pyArgs, 2));
      out.println(pythonJson.get(1));
    } finally {
      Files.deleteIfExists(script);
      Files.deleteIfExists(object);
      Files.deleteIfExists(dir);
    }
    figures.putAll(PythonBaseline.figures(pythonJson));
    List<Row> rows = ComparisonRows.judge(figures);

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
      Files.writeString(
          json, toJson(figures, rows, pythonJson, leftovers, loadBefore, loadAfter, cpus));
      out.println("wrote " + json);
    }
    if (leftovers != 0) {
      System.exit(1);
    }
  }

  /** The worker benchmarks through the JMH runner: each figure by class and method name. */
  private static Map<String, Figure> runJmh(List<String> jmhArgs, boolean quick)
      throws RunnerException, CommandLineOptionException {
    ChainedOptionsBuilder options =
        new OptionsBuilder().parent(new CommandLineOptions(jmhArgs.toArray(new String[0])));
    for (Class<?> benchmark : BENCHMARKS) {
      options.include("^" + Pattern.quote(benchmark.getName()) + "\\.");
    }
    if (quick) {
      options
          .warmupIterations(1)
          .measurementIterations(3)
          .warmupTime(TimeValue.milliseconds(500))
          .measurementTime(TimeValue.milliseconds(500));
    }
    Map<String, Figure> figures = new LinkedHashMap<>();
    for (RunResult r : new Runner(options.build()).run()) {
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
    return figures;
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
      String loadAfter,
      String cpus) {
    StringBuilder s = new StringBuilder("{\n");
    s.append("  \"processors\": ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(",\n  \"cpus_allowed\": ")
        .append(quote(cpus))
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

  /**
   * The CPUs this process may run on ({@code Cpus_allowed_list}): "0" under {@code taskset -c 0}.
   */
  private static String cpusAllowed() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Cpus_allowed_list:")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Unknown is said below.
    }
    return "unknown";
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
