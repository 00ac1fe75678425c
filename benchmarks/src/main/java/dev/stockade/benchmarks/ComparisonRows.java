package dev.stockade.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The comparisons {@link MultiprocessingComparison} judges, each with its target: which figure is
 * set against which, and how. Not a benchmark.
 */
final class ComparisonRows {
  static final double MAP_TARGET = 1.0;
  static final double ONE_BY_ONE_TARGET = 2.0;
  static final double PIPE_TARGET = 1.0;
  static final double APPLY_TARGET = 3.0;
  static final double WAITING_TARGET = 1.5;
  static final double JSON_TARGET = 2.0;
  static final double COLD_START_TARGET = 1.5;

  /** No target: the row is for the record. */
  private static final double NONE = Double.NaN;

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

  private final Map<String, Figure> figures;
  private final List<Row> rows = new ArrayList<>();

  private ComparisonRows(Map<String, Figure> figures) {
    this.figures = figures;
  }

  /** Every comparison of a run, in the order the README shows them. */
  static List<Row> judge(Map<String, Figure> figures) {
    ComparisonRows r = new ComparisonRows(figures);
    r.manyAtOnce();
    r.oneByOne();
    r.roundTrips();
    r.waiting();
    r.json();
    r.coldStart();
    return r.rows;
  }

  private void manyAtOnce() {
    for (String kind : List.of("JVM", "Python")) {
      faster(
          "200,000 trivial tasks, ordered map on 2 "
              + kind
              + " workers (each Integer as 4 bytes each way) vs Pool(2).map(f, range(200000)),"
              + " default chunksize",
          "WorkerMapBenchmark." + kind.toLowerCase(Locale.ROOT),
          PythonBaseline.MAP,
          MAP_TARGET);
    }
  }

  private void oneByOne() {
    for (String kind : List.of("JVM", "Python")) {
      faster(
          "2000 tasks submitted one by one on 2 "
              + kind
              + " workers, default settings but queueCapacity 2000, vs"
              + " Pool(2).imap_unordered(chunksize=1)",
          "WorkerThroughputBenchmark." + kind.toLowerCase(Locale.ROOT) + "Defaults",
          PythonBaseline.IMAP,
          ONE_BY_ONE_TARGET);
    }
    faster(
        "2000 tasks on 2 JVM workers (8 in flight each) vs Pool(2).imap_unordered",
        "WorkerThroughputBenchmark.jvm",
        PythonBaseline.IMAP,
        ONE_BY_ONE_TARGET);
    faster(
        "2000 tasks on 2 Python workers (8 in flight each) vs Pool(2).imap_unordered",
        "WorkerThroughputBenchmark.python",
        PythonBaseline.IMAP,
        ONE_BY_ONE_TARGET);
  }

  private void roundTrips() {
    Figure pipe =
        Stream.of(PythonBaseline.PIPE_SEND, PythonBaseline.PIPE_BYTES, PythonBaseline.PIPE_ONE_WAY)
            .map(figures::get)
            .filter(f -> f != null && Double.isFinite(f.mean()))
            .min(Comparator.comparingDouble(Figure::mean))
            .orElse(null);
    String pipeName = pipe == null ? "not run" : PythonBaseline.describe(pipe.name());
    for (String kind : List.of("JVM", "Python")) {
      rows.add(
          faster(
              "warm round trip, "
                  + kind
                  + " worker vs a raw multiprocessing.Pipe round trip to an echoing child (the"
                  + " fastest of three ways here: "
                  + pipeName
                  + ")",
              figures.get("WorkerRoundTripBenchmark." + kind.toLowerCase(Locale.ROOT)),
              pipe,
              PIPE_TARGET));
    }
    faster(
        "warm round trip, JVM worker vs Pool(1).apply",
        "WorkerRoundTripBenchmark.jvm",
        PythonBaseline.APPLY,
        APPLY_TARGET);
    faster(
        "warm round trip, Python worker vs Pool(1).apply",
        "WorkerRoundTripBenchmark.python",
        PythonBaseline.APPLY,
        APPLY_TARGET);
  }

  private void waiting() {
    for (String kind : List.of("jvm", "python")) {
      String name = kind.equals("jvm") ? "JVM" : "Python";
      Figure get = figures.get("WorkerRoundTripBenchmark." + kind);
      within(
          "warm round trip, " + name + " worker, submit(x).thenApply(f).join() vs get()",
          figures.get("WorkerRoundTripBenchmark." + kind + "ThenApplyJoin"),
          get);
      within(
          "warm round trip, "
              + name
              + " worker, submit(x).whenComplete(cb), the caller waiting on a latch cb counts"
              + " down, vs get()",
          figures.get("WorkerRoundTripBenchmark." + kind + "WhenComplete"),
          get);
      within(
          "warm round trip, " + name + " worker, submit(x).whenComplete(cb).join() vs get()",
          figures.get("WorkerRoundTripBenchmark." + kind + "WhenCompleteJoin"),
          get);
      // A latch's waiter sleeps until the answer is in, so its floor is a get() that parks at
      // once, not one that spins: these two rows show where the latch row's gap comes from.
      Figure parked = figures.get("WorkerRoundTripBenchmark." + kind + "Parked");
      rows.add(
          ratioOf(
              "warm round trip, "
                  + name
                  + " worker, get() on a pool built with waitSpin(Duration.ZERO), the caller"
                  + " parking at once, vs get() (for the record)",
              parked,
              get,
              NONE,
              "get()"));
      rows.add(
          ratioOf(
              "warm round trip, "
                  + name
                  + " worker, submit(x).whenComplete(cb) with the latch, vs get() parking at once"
                  + " (for the record)",
              figures.get("WorkerRoundTripBenchmark." + kind + "WhenComplete"),
              parked,
              NONE,
              "the parked get()"));
    }
  }

  private void json() {
    faster(
        "4 KiB JSON object each way with JacksonCodec, JVM worker parsing it into a Map and"
            + " writing it back, vs Pool(1).apply pickling the same dict each way",
        "WorkerJsonBenchmark.jvm",
        PythonBaseline.JSON_APPLY,
        JSON_TARGET);
    faster(
        "4 KiB JSON object each way with JacksonCodec, Python worker (json.loads, json.dumps),"
            + " vs Pool(1).apply pickling the same dict (for the record)",
        "WorkerJsonBenchmark.python",
        PythonBaseline.JSON_APPLY,
        NONE);
  }

  private void coldStart() {
    // A worker in a memory cgroup is compared with a child in one: the kernel's charging of
    // every page a JVM touches makes both slower alike. Without cgroups here, that row is out.
    String cold = "JvmWorkerColdStartBenchmark.";
    if (figures.get(cold + "minimalChildWorkerFlagsInCgroup") != null) {
      slower(
          "JVM worker cold start in its cgroup vs minimal child, same flags, in a memory cgroup",
          cold + "workerPool",
          cold + "minimalChildWorkerFlagsInCgroup",
          COLD_START_TARGET);
    }
    slower(
        "JVM worker cold start without cgroups vs minimal child, same flags",
        cold + "workerPoolWithoutCgroups",
        cold + "minimalChildWorkerFlags",
        COLD_START_TARGET);
    slower(
        "JVM worker cold start, default mode, vs minimal child, same flags, no cgroup (for the"
            + " record)",
        cold + "workerPool",
        cold + "minimalChildWorkerFlags",
        NONE);
    slower(
        "JVM worker cold start without cgroups vs minimal child, no flags (for the record)",
        cold + "workerPoolWithoutCgroups",
        cold + "minimalChild",
        NONE);
  }

  private void faster(String what, String stockade, String baseline, double target) {
    rows.add(faster(what, figures.get(stockade), figures.get(baseline), target));
  }

  /** A row where Stockade must be {@code target} times faster: ratio baseline / stockade. */
  private static Row faster(String what, Figure stockade, Figure baseline, double target) {
    String goal = Double.isNaN(target) ? "—" : String.format(Locale.ROOT, "≥ %.1f× faster", target);
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
        verdict(Double.isNaN(target) || ratio >= target, target));
  }

  /** A row where Stockade may take at most {@code target} times the baseline. */
  private void slower(String what, String stockade, String baseline, double target) {
    rows.add(ratioOf(what, figures.get(stockade), figures.get(baseline), target, "the child"));
  }

  /** A way of waiting for a round trip, at most {@link #WAITING_TARGET} times its get(). */
  private void within(String what, Figure variant, Figure get) {
    rows.add(ratioOf(what, variant, get, WAITING_TARGET, "get()"));
  }

  private static Row ratioOf(
      String what, Figure stockade, Figure baseline, double target, String of) {
    String goal = Double.isNaN(target) ? "—" : String.format(Locale.ROOT, "≤ %.1f× %s", target, of);
    if (stockade == null || baseline == null) {
      return new Row(what, "—", "—", Double.NaN, "—", goal, "not run");
    }
    double ratio = stockade.mean() / baseline.mean();
    return new Row(
        what,
        format(stockade),
        format(baseline),
        ratio,
        String.format(Locale.ROOT, "%.2f× %s", ratio, of),
        goal,
        verdict(Double.isNaN(target) || ratio <= target, target));
  }

  private static String verdict(boolean met, double target) {
    return Double.isNaN(target) ? "—" : met ? "PASS" : "MISS";
  }

  private static String format(Figure f) {
    String unit = f.unit().replace("/op", "");
    unit = unit.equals("us") ? "µs" : unit;
    return String.format(Locale.ROOT, "%.1f ± %.1f %s", f.mean(), f.error(), unit);
  }
}
