package dev.stockade.benchmarks.figures;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stockade.benchmarks.figures.Results.Source;
import dev.stockade.benchmarks.figures.Scores.Score;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * The figures quoted inside a sentence, between {@code <!-- figure:KEY -->} and {@code <!-- /figure
 * -->}: each is a value and the results file it comes from.
 */
final class Inline {
  static final String FOOTPRINT = "footprint.json";

  private final Results results;
  private final Path doc;

  Inline(Results results, Path doc) {
    this.results = results;
    this.doc = doc;
  }

  String render(String key) {
    return switch (key) {
      case "cgroup-cost-per-task" -> cgroupCostPerTask();
      case "cgroup-start-cost" -> cgroupStartCost();
      case "jvm-round-trip" -> jvmRoundTrip();
      case "program-check" -> programCheck();
      case "watchdog-memory" -> watchdogMemory();
      case "idle-worker-cpu" -> idleWorkerCpu();
      case "leftover-sweep" -> leftoverSweep();
      case "cgroup-teardown" -> cgroupTeardown();
      default ->
          throw new IllegalArgumentException(
              doc
                  + ": unknown figure '"
                  + key
                  + "'; known: cgroup-cost-per-task, cgroup-start-cost,"
                  + " jvm-round-trip, program-check, watchdog-memory, idle-worker-cpu,"
                  + " leftover-sweep, cgroup-teardown");
    };
  }

  /** The default pool's run-and-reap less the same without cgroups. */
  private String cgroupCostPerTask() {
    Optional<Source> main = results.latest(JmhTable.MAIN);
    Optional<Source> none = results.latest(JmhTable.NO_CGROUPS);
    if (main.isEmpty() || none.isEmpty()) {
      return missing(main.isEmpty() ? JmhTable.MAIN : JmhTable.NO_CGROUPS);
    }
    Score with = Scores.jmh(main.get().json()).get("RunAndReapBenchmark.pool");
    Score without = Scores.jmh(none.get().json()).get("RunAndReapBenchmark.pool");
    if (with == null || without == null) {
      return missing("RunAndReapBenchmark.pool");
    }
    // Says which way it went: within the noise of a run the pool with cgroups can come out the
    // quicker one, and a bare negative number would read as a cost.
    double us = with.mean() - without.mean();
    return String.format(Locale.ROOT, "%.1f ms", Math.abs(us) / 1000)
        + (us >= 0 ? " more" : " less")
        + " a task ("
        + Numbers.time(with.mean(), "µs")
        + " in "
        + link(main.get())
        + " against "
        + Numbers.time(without.mean(), "µs")
        + " in "
        + link(none.get())
        + ")";
  }

  /** A minimal child with the worker's flags, in a memory cgroup and out of one. */
  private String cgroupStartCost() {
    WorkerTable workers = new WorkerTable(results, doc, WorkerTable.ALL_CPUS);
    Map<String, Score> f = workers.figures();
    Score in = f.get("JvmWorkerColdStartBenchmark.minimalChildWorkerFlagsInCgroup");
    Score out = f.get("JvmWorkerColdStartBenchmark.minimalChildWorkerFlags");
    if (workers.source().isEmpty() || in == null || out == null) {
      return missing(WorkerTable.ALL_CPUS + ".json");
    }
    // Says which way it went: in a run where the cgroup's child was the quicker one, a bare
    // negative number would read as a cost.
    double difference = in.mean() - out.mean();
    return Numbers.one(Math.abs(difference))
        + (difference >= 0 ? " ms slower" : " ms quicker")
        + " ("
        + Numbers.time(in.mean(), "ms")
        + " vs "
        + Numbers.time(out.mean(), "ms")
        + ", "
        + link(workers.source().get())
        + ")";
  }

  private String jvmRoundTrip() {
    WorkerTable workers = new WorkerTable(results, doc, WorkerTable.ALL_CPUS);
    Score jvm = workers.figures().get("WorkerRoundTripBenchmark.jvm");
    if (workers.source().isEmpty() || jvm == null) {
      return missing(WorkerTable.ALL_CPUS + ".json");
    }
    return Numbers.time(jvm.mean(), jvm.shortUnit()) + " (" + link(workers.source().get()) + ")";
  }

  private String programCheck() {
    Optional<Source> main = results.latest(JmhTable.MAIN);
    Map<String, Score> s = main.map(m -> Scores.jmh(m.json())).orElse(Map.of());
    Score elf = s.get("ProgramCheckBenchmark.elfOnPath");
    Score script = s.get("ProgramCheckBenchmark.scriptWithInterpreter");
    Score bare = s.get("RunAndReapBenchmark.bare");
    if (elf == null || script == null || bare == null) {
      return missing(JmhTable.MAIN + " with ProgramCheckBenchmark");
    }
    return Numbers.time(elf.mean(), "µs")
        + " for a binary on a `PATH`, "
        + Numbers.time(script.mean(), "µs")
        + " for a `#!` script, against "
        + Numbers.time(bare.mean(), "µs")
        + " for a bare run-and-reap ("
        + link(main.get())
        + ")";
  }

  /** The teardown of the 50-process tree in a cgroup, against the same by session and tag. */
  private String cgroupTeardown() {
    Optional<Source> main = results.latest(JmhTable.MAIN);
    Map<String, Score> s = main.map(m -> Scores.jmh(m.json())).orElse(Map.of());
    Score cgroup = s.get(JmhTable.CGROUP_TEARDOWN);
    if (cgroup == null) {
      return missing(JmhTable.MAIN + " with " + JmhTable.CGROUP_TEARDOWN);
    }
    Score session = s.get("TeardownBenchmark.teardown");
    return Numbers.time(cgroup.mean(), cgroup.shortUnit())
        + " on average"
        + (session == null
            ? ""
            : ", against "
                + Numbers.time(session.mean(), session.shortUnit())
                + " by session and tag")
        + " ("
        + link(main.get())
        + ")";
  }

  /** The start-up sweep with nothing to end, and how many processes the machine ran. */
  private String leftoverSweep() {
    Optional<Source> main = results.latest(JmhTable.MAIN);
    Score sweep =
        main.map(m -> Scores.jmh(m.json()).get("LeftoverSweepBenchmark.nothingLeft")).orElse(null);
    if (sweep == null) {
      return missing(JmhTable.MAIN + " with LeftoverSweepBenchmark");
    }
    long processes =
        results
            .infoOf(main.get())
            .map(i -> i.json().path("machine").path("processes_running").asLong(-1))
            .orElse(-1L);
    return Numbers.time(sweep.mean(), sweep.shortUnit())
        + (processes > 0 ? " with " + processes + " processes running" : "")
        + " ("
        + link(main.get())
        + ")";
  }

  private String watchdogMemory() {
    Optional<Source> source = results.latest(FOOTPRINT);
    if (source.isEmpty()) {
      return missing(FOOTPRINT);
    }
    JsonNode w = source.get().json().path("watchdog");
    return range(w.path("rss_kib"))
        + " resident (`VmRSS`), "
        + range(w.path("pss_kib"))
        + " proportional (PSS) ("
        + link(source.get())
        + ")";
  }

  private String idleWorkerCpu() {
    Optional<Source> source = results.latest(FOOTPRINT);
    if (source.isEmpty()) {
      return missing(FOOTPRINT);
    }
    JsonNode idle = source.get().json().path("idle_workers");
    return "an idle JVM worker "
        + percent(idle, "jvm")
        + ", an idle Python worker "
        + percent(idle, "python")
        + " of one CPU ("
        + link(source.get())
        + ")";
  }

  private static String percent(JsonNode idle, String kind) {
    JsonNode value = idle.path(kind + "_worker_percent_of_one_cpu");
    return value.isNumber()
        ? String.format(Locale.ROOT, "%.2f %%", value.asDouble())
        : "(not measured: see its error in the file)";
  }

  /** "46.1–47.0 MiB" from KiB samples. */
  private static String range(JsonNode kib) {
    double min =
        StreamSupport.stream(kib.spliterator(), false)
            .mapToDouble(JsonNode::asDouble)
            .min()
            .orElse(0);
    double max =
        StreamSupport.stream(kib.spliterator(), false)
            .mapToDouble(JsonNode::asDouble)
            .max()
            .orElse(0);
    String lo = Numbers.one(min / 1024);
    String hi = Numbers.one(max / 1024);
    return (lo.equals(hi) ? lo : lo + "–" + hi) + " MiB";
  }

  private String link(Source source) {
    return results.link(source, doc);
  }

  private String missing(String file) {
    return "(not measured yet: `benchmarks/run-all` writes `" + file + "`)";
  }
}
