package dev.stockade.benchmarks.figures;

import dev.stockade.benchmarks.figures.Results.Source;
import dev.stockade.benchmarks.figures.Scores.Score;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The README's table of the JMH benchmarks that are not about workers: run-and-reap in the default
 * mode, without cgroups and with the JDK launcher (three runs of {@code RunAndReapBenchmark}, each
 * with its own bare baseline), the housekeeper's sample, teardown, the check of a program, and a
 * row for any other benchmark of the run, so a new one is never left out.
 */
final class JmhTable {
  static final String MAIN = "jmh.json";
  static final String NO_CGROUPS = "jmh-cgroup-none.json";
  static final String JDK_LAUNCHER = "jmh-jdk-launcher.json";

  static final double RUN_AND_REAP_TARGET = 1.3;
  static final double SAMPLE_TARGET = 5;
  static final double TEARDOWN_TARGET_MS = 50;

  /**
   * A housekeeper tick of 64 idle trees: 1 % of one core at the default 250 ms interval, four ticks
   * a second.
   */
  static final double TICK_TARGET_US = 2500;

  static final String TICK = "HousekeeperTickBenchmark.tick";
  static final int TICK_TREES = 64;

  /** Teardown of a tree in a cgroup of its own, by the cgroup containment. */
  static final String CGROUP_TEARDOWN = "TeardownBenchmark.teardownInCgroup";

  /** Shown in the workers' table instead. */
  private static final List<String> WORKER_CLASSES =
      List.of(
          "WorkerRoundTripBenchmark.",
          "WorkerThroughputBenchmark.",
          "JvmWorkerColdStartBenchmark.");

  private final Results results;
  private final Path doc;
  private final List<String> rows = new ArrayList<>();
  private final List<Check> checks = new ArrayList<>();

  JmhTable(Results results, Path doc) {
    this.results = results;
    this.doc = doc;
    build();
  }

  String markdown() {
    if (rows.isEmpty()) {
      return Blocks.missing(results, MAIN);
    }
    StringBuilder s = new StringBuilder("| benchmark | result | target | results file |\n");
    s.append("| --- | --- | --- | --- |\n");
    rows.forEach(r -> s.append(r).append('\n'));
    return s.toString().stripTrailing();
  }

  List<Check> checks() {
    return checks;
  }

  private void build() {
    Optional<Source> main = results.latest(MAIN);
    runAndReap(main, "default `cgroupMode`: " + modeOf(main), true);
    runAndReap(results.latest(NO_CGROUPS), "`-Dstockade.cgroupMode=NONE`: no cgroups", true);
    runAndReap(
        results.latest(JDK_LAUNCHER),
        "`-Ddev.stockade.launcher=jdk`: `setsid(1)` in front, default `cgroupMode`",
        false);
    if (main.isEmpty()) {
      return;
    }
    Source source = main.get();
    Map<String, Score> s = Scores.jmh(source.json());
    Set<String> shown =
        new LinkedHashSet<>(List.of("RunAndReapBenchmark.bare", "RunAndReapBenchmark.pool"));
    Score proc = s.get("TreeSampleBenchmark.procReader");
    Score oshi = s.get("TreeSampleBenchmark.oshiPerProcess");
    if (proc != null && oshi != null) {
      double cheaper = oshi.mean() / proc.mean();
      row(
          "one housekeeper sample of a 50-process tree: `/proc` reader vs OSHI's `getProcess` per"
              + " member",
          time(proc) + " vs " + time(oshi) + ": **" + Numbers.two(cheaper) + "× cheaper**",
          "≥ " + Numbers.trim(SAMPLE_TARGET) + "× — " + verdict(cheaper >= SAMPLE_TARGET),
          source);
      checks.add(
          new Check(
              "sample: /proc vs OSHI", cheaper, true, SAMPLE_TARGET, "×", source.run().name()));
      shown.addAll(List.of("TreeSampleBenchmark.procReader", "TreeSampleBenchmark.oshiPerProcess"));
    }
    Score pss = s.get("TreeSampleBenchmark.procReaderWithPss");
    if (pss != null && proc != null) {
      row(
          "the same sample with PSS read on every tick (`MemoryAccounting.PSS`)",
          time(pss) + " (" + Numbers.two(pss.mean() / proc.mean()) + "× the default)",
          "—",
          source);
      shown.add("TreeSampleBenchmark.procReaderWithPss");
    }
    tick(s, "AUTO", "default `cgroupMode`: " + modeOf(main), source, shown);
    tick(s, "NONE", "`cgroupMode=NONE`: no cgroups", source, shown);
    teardown(
        s,
        "TeardownBenchmark.teardown",
        "teardown of a 50-process tree with 2 `setsid` escapees, no grace, until all are dead",
        source,
        shown,
        "teardown of 50 processes");
    teardown(
        s,
        "TeardownBenchmark.teardownColdTagIndex",
        "the same before the housekeeper ever sampled it (every environment read)",
        source,
        shown,
        null);
    teardown(
        s,
        CGROUP_TEARDOWN,
        "the same tree in a cgroup of its own ("
            + modeOf(main)
            + "), ended through the group until it is empty, and the group removed",
        source,
        shown,
        "teardown of 50 processes in a cgroup");
    Score elf = s.get("ProgramCheckBenchmark.elfOnPath");
    Score script = s.get("ProgramCheckBenchmark.scriptWithInterpreter");
    Score bare = s.get("RunAndReapBenchmark.bare");
    if (elf != null && script != null && bare != null) {
      row(
          "the check of a program before its start: a binary on a `PATH`, a `#!` script and its"
              + " interpreter",
          time(elf) + ", " + time(script) + " (a bare run-and-reap: " + time(bare) + ")",
          "—",
          source);
      shown.addAll(
          List.of(
              "ProgramCheckBenchmark.elfOnPath", "ProgramCheckBenchmark.scriptWithInterpreter"));
    }
    Score sweep = s.get("LeftoverSweepBenchmark.nothingLeft");
    if (sweep != null) {
      row(
          "the start-up sweep of a pool whose earlier runs left nothing: one `/proc` scan with every"
              + " environment read",
          time(sweep),
          "—",
          source);
      shown.add("LeftoverSweepBenchmark.nothingLeft");
    }
    for (Map.Entry<String, Score> e : s.entrySet()) {
      String name = e.getKey();
      if (!shown.contains(name) && WORKER_CLASSES.stream().noneMatch(name::startsWith)) {
        Score v = e.getValue();
        row(
            "`" + name + "` (benchmarks/README.md)",
            time(v) + " ± " + Numbers.one(v.error()),
            "—",
            source);
      }
    }
  }

  private void runAndReap(Optional<Source> found, String mode, boolean judged) {
    if (found.isEmpty()) {
      return;
    }
    Map<String, Score> s = Scores.jmh(found.get().json());
    Score pool = s.get("RunAndReapBenchmark.pool");
    Score bare = s.get("RunAndReapBenchmark.bare");
    if (pool == null || bare == null) {
      return;
    }
    double ratio = pool.mean() / bare.mean();
    row(
        "run and reap `/bin/true`: `CommandPool` (1 worker, " + mode + ") vs bare `ProcessBuilder`",
        time(pool) + " vs " + time(bare) + ": **" + Numbers.two(ratio) + "×**",
        judged
            ? "≤ "
                + Numbers.trim(RUN_AND_REAP_TARGET)
                + "× — "
                + verdict(ratio <= RUN_AND_REAP_TARGET)
            : "—",
        found.get());
    if (judged) {
      String label =
          found.get().file().equals(MAIN) ? "run and reap, default" : "run and reap, no cgroups";
      checks.add(
          new Check(label, ratio, false, RUN_AND_REAP_TARGET, "×", found.get().run().name()));
    }
  }

  private void teardown(
      Map<String, Score> s,
      String name,
      String what,
      Source source,
      Set<String> shown,
      String checkLabel) {
    Score t = s.get(name);
    boolean judged = checkLabel != null;
    if (t == null) {
      return;
    }
    row(
        what,
        "**"
            + time(t)
            + "** average (max "
            + Numbers.time(t.max(), t.shortUnit())
            + " of "
            + t.raw().size()
            + ")",
        judged
            ? "≤ "
                + Numbers.trim(TEARDOWN_TARGET_MS)
                + " ms — "
                + verdict(t.mean() <= TEARDOWN_TARGET_MS)
            : "—",
        source);
    if (judged) {
      checks.add(
          new Check(checkLabel, t.mean(), false, TEARDOWN_TARGET_MS, " ms", source.run().name()));
    }
    shown.add(name);
  }

  /**
   * The tick of {@link #TICK_TREES} trees in {@code mode}, judged against {@link #TICK_TARGET_US};
   * a row saying so if the file has no such tick.
   */
  private void tick(
      Map<String, Score> s, String mode, String words, Source source, Set<String> shown) {
    String what =
        "one housekeeper tick of a pool holding "
            + TICK_TREES
            + " idle trees of 10 processes ("
            + words
            + ")";
    String target =
        "≤ " + String.format(Locale.ROOT, "%,.0f", TICK_TARGET_US) + " µs (1 % of one core)";
    Optional<Map.Entry<String, Score>> found =
        s.entrySet().stream()
            .filter(
                e ->
                    e.getKey().startsWith(TICK + ":")
                        && params(e.getKey())
                            .equals(Set.of("cgroupMode=" + mode, "trees=" + TICK_TREES)))
            .findFirst();
    if (found.isEmpty()) {
      row(what, "not measured yet: no `" + TICK + "` in this file", target, source);
      return;
    }
    Score t = found.get().getValue();
    double us = t.unit().equals("ms/op") ? t.mean() * 1000 : t.mean();
    row(
        what,
        "**" + time(t) + "** ± " + Numbers.one(t.error()),
        target + " — " + verdict(us <= TICK_TARGET_US),
        source);
    checks.add(
        new Check(
            "housekeeper tick, " + TICK_TREES + " trees, " + mode,
            us,
            false,
            TICK_TARGET_US,
            " µs",
            source.run().name()));
    shown.add(found.get().getKey());
  }

  /**
   * "cgroupMode=AUTO" and "trees=64" of "HousekeeperTickBenchmark.tick:cgroupMode=AUTO,trees=64".
   */
  private static Set<String> params(String name) {
    return Set.of(name.substring(name.indexOf(':') + 1).split(",", -1));
  }

  /** The cgroup mode a default pool selected in the run of {@code source}, from its run.json. */
  private String modeOf(Optional<Source> source) {
    return source
        .flatMap(results::infoOf)
        .map(info -> info.json().path("machine"))
        .map(m -> Blocks.cgroupWords(m))
        .orElse("whatever the machine allowed");
  }

  private void row(String what, String result, String target, Source source) {
    rows.add(
        "| " + what + " | " + result + " | " + target + " | " + results.link(source, doc) + " |");
  }

  static String verdict(boolean met) {
    return met ? "met" : "**missed**";
  }

  private static String time(Score s) {
    return Numbers.time(s.mean(), s.shortUnit());
  }
}
