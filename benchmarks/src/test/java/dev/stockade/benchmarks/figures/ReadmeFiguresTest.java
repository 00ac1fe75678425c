package dev.stockade.benchmarks.figures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures of the README and the docs are the ones the newest results give: regenerated in
 * memory from {@code benchmarks/results/} and compared with the files, so a figure edited by hand,
 * or a results run whose figures were not written, fails the build.
 */
class ReadmeFiguresTest {
  /** The module's directory is the working directory of its tests. */
  private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

  private static final Pattern MEASURED =
      Pattern.compile("[0-9][0-9.,]*\\s?(µs|ms|MiB|MB|KiB|GiB|×|%)");

  @Test
  void everyGeneratedFigureMatchesTheNewestResults() throws IOException {
    Map<Path, String> expected =
        ReadmeFigures.render(REPOSITORY, ReadmeFigures.defaultResults(REPOSITORY));
    assertTrue(expected.containsKey(Path.of("README.md")), "the README has figures");
    assertTrue(expected.containsKey(ReadmeFigures.CHART), "the chart is generated");
    List<Path> differing = new ArrayList<>();
    for (Map.Entry<Path, String> e : expected.entrySet()) {
      Path file = REPOSITORY.resolve(e.getKey());
      if (!Files.exists(file)
          || !Files.readString(file, StandardCharsets.UTF_8).equals(e.getValue())) {
        differing.add(e.getKey());
      }
    }
    assertEquals(
        List.of(),
        differing,
        "these files differ from what the newest results under benchmarks/results/ give; run"
            + " java -cp benchmarks/target/benchmarks.jar"
            + " dev.stockade.benchmarks.figures.ReadmeFigures (benchmarks/run-all does) rather"
            + " than editing a figure by hand");
  }

  @Test
  void theBenchmarksSectionQuotesNoMeasuredFigureOutsideTheMarkers() throws IOException {
    String readme = Files.readString(REPOSITORY.resolve("README.md"), StandardCharsets.UTF_8);
    String section =
        readme.substring(readme.indexOf("\n## Benchmarks\n"), readme.indexOf("\n## Layout\n"));
    String outside =
        section
            .replaceAll("(?s)<!-- figures:([a-z0-9-]+) -->.*?<!-- /figures:\\1 -->", "")
            .replaceAll("(?s)<!-- figure:[a-z0-9-]+ -->.*?<!-- /figure -->", "")
            // A setting, not a measurement.
            .replaceAll("spins\\s+for up to 50 µs", "");
    List<String> found = new ArrayList<>();
    Matcher m = MEASURED.matcher(outside);
    while (m.find()) {
      found.add(m.group());
    }
    assertEquals(List.of(), found, "figures in the README's Benchmarks section written by hand");
  }

  @Test
  void aTableNamesTheFileOfTheNewestRunThatHoldsIt(@TempDir Path repo) throws IOException {
    Path results = repo.resolve("benchmarks/results");
    Path older = results.resolve("2026-01-01-aaaaaaa");
    Path newer = results.resolve("2026-02-01-bbbbbbb");
    Files.createDirectories(older);
    Files.createDirectories(newer);
    Files.writeString(older.resolve("jmh.json"), jmh(2000, 1000));
    Files.writeString(newer.resolve("jmh.json"), jmh(1200, 1000));
    Files.writeString(older.resolve("memory.json"), "{\"trees\": []}");
    Files.createDirectories(repo.resolve("docs"));
    String doc = "a\n<!-- figures:jmh -->\nold\n<!-- /figures:jmh -->\nb\n";
    String out = ReadmeFigures.rewrite(doc, Results.load(repo, results), Path.of("docs", "x.md"));
    assertTrue(out.startsWith("a\n<!-- figures:jmh -->\n| benchmark |"), out);
    assertTrue(out.endsWith("|\n<!-- /figures:jmh -->\nb\n"), out);
    assertTrue(out.contains("1200 µs vs 1000 µs: **1.20×** | ≤ 1.3× — met"), out);
    assertTrue(
        out.contains(
            "[`benchmarks/results/2026-02-01-bbbbbbb/jmh.json`]"
                + "(../benchmarks/results/2026-02-01-bbbbbbb/jmh.json)"),
        out);
    assertTrue(!out.contains("aaaaaaa"), out);
    String memory =
        ReadmeFigures.rewrite(
            "<!-- figures:memory --><!-- /figures:memory -->",
            Results.load(repo, results),
            Path.of("README.md"));
    assertTrue(memory.contains("2026-01-01-aaaaaaa/memory.json"), "an older run's file: " + memory);
  }

  @Test
  void aFigureNoRunHoldsSaysSoAndAnUnknownKeyFails(@TempDir Path repo) {
    Results none = Results.load(repo, repo.resolve("benchmarks/results"));
    String out =
        ReadmeFigures.rewrite(
            "x <!-- figure:watchdog-memory -->46 MB<!-- /figure --> y", none, Path.of("README.md"));
    assertEquals(
        "x <!-- figure:watchdog-memory -->(not measured yet: `benchmarks/run-all` writes"
            + " `footprint.json`)<!-- /figure --> y",
        out);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ReadmeFigures.rewrite(
                    "<!-- figures:nonsense -->\n<!-- /figures:nonsense -->",
                    none,
                    Path.of("README.md")));
    assertTrue(e.getMessage().contains("'nonsense'"), e.getMessage());
  }

  @Test
  void theCgroupTeardownIsJudgedInTheTableAndQuotedBesideTheSessionTeardown(@TempDir Path repo)
      throws IOException {
    Path run = repo.resolve("benchmarks/results/2026-03-01-ccccccc");
    Files.createDirectories(run);
    Files.createDirectories(repo.resolve("docs"));
    Results none = Results.load(repo, repo.resolve("benchmarks/results"));
    String doc = "<!-- figure:cgroup-teardown -->old<!-- /figure -->";
    assertEquals(
        "<!-- figure:cgroup-teardown -->(not measured yet: `benchmarks/run-all` writes `jmh.json"
            + " with TeardownBenchmark.teardownInCgroup`)<!-- /figure -->",
        ReadmeFigures.rewrite(doc, none, Path.of("README.md")));
    Files.writeString(
        run.resolve("jmh.json"),
        "["
            + entry("TeardownBenchmark.teardown", 41.0, "ms/op")
            + ","
            + entry("TeardownBenchmark.teardownInCgroup", 69.0, "ms/op")
            + "]");
    Results results = Results.load(repo, repo.resolve("benchmarks/results"));
    String table =
        ReadmeFigures.rewrite(
            "<!-- figures:jmh -->\n<!-- /figures:jmh -->", results, Path.of("README.md"));
    assertTrue(
        table.contains(
            "| the same tree in a cgroup of its own (whatever the machine allowed), ended"
                + " through the group until it is empty, and the group removed | **69.0 ms** average"
                + " (max 69.0 ms of 1) | ≤ 50 ms — **missed** |"),
        table);
    assertEquals(
        "<!-- figure:cgroup-teardown -->69.0 ms on average, against 41.0 ms by session and tag"
            + " ([`benchmarks/results/2026-03-01-ccccccc/jmh.json`]"
            + "(benchmarks/results/2026-03-01-ccccccc/jmh.json))<!-- /figure -->",
        ReadmeFigures.rewrite(doc, results, Path.of("README.md")));
  }

  @Test
  void theSupervisorsCostIsJudgedInEachModeWithSixtyFourTreesAndSizedForAThousand(
      @TempDir Path repo) throws IOException {
    Path run = repo.resolve("benchmarks/results/2026-04-01-ddddddd");
    Files.createDirectories(run);
    Files.writeString(
        run.resolve("cost.json"),
        "{\"window_seconds\": 20, \"settle_seconds\": 10, \"processes_per_tree\": 10,"
            + " \"load_before\": \"0.50 0.60 0.70 1/200 123\","
            + " \"baseline\": {\"percent_of_one_core\": 0.2, \"threads\": 20},"
            + " \"cases\": ["
            + costCase("AUTO", 16, "cgroup v1 (memory, pids, freezer) under /x", 0.4, 250.0, 70)
            + ","
            + costCase("AUTO", 64, "cgroup v1 (memory, pids, freezer) under /x", 0.8, 125.0, 200)
            + ","
            + costCase("NONE", 64, "session+tag+tree-walk (no cgroups)", 1.6, 250.0, 200)
            + "], \"load_after\": \"1.00 0.90 0.80 2/210 456\"}");
    Results results = Results.load(repo, repo.resolve("benchmarks/results"));

    String out =
        ReadmeFigures.rewrite(
            "<!-- figures:cost --><!-- /figures:cost -->", results, Path.of("README.md"));

    assertTrue(
        out.contains("| `AUTO` (cgroup v1 here) | 16 | 0.40 % | 250 µs | 70 (3.1 per tree) | — |"),
        out);
    assertTrue(
        out.contains(
            "| `AUTO` (cgroup v1 here) | 64 | **0.80 %** | 125 µs | 200 (3.1 per tree) |"
                + " ≤ 1 % of one core with 64 idle trees — met |"),
        out);
    assertTrue(
        out.contains(
            "| `NONE` (no cgroups) | 64 | **1.60 %** | 250 µs | 200 (3.1 per tree) |"
                + " ≤ 1 % of one core with 64 idle trees — **missed** |"),
        out);
    assertTrue(
        out.contains(
            "1,000 idle trees would take 125 µs × 1,000 = **12.5 % of one core** with `AUTO`"
                + " and 250 µs × 1,000 = **25.0 % of one core** with `NONE`: the CPU per tree per"
                + " second with 64 trees, scaled linearly"),
        out);
    assertTrue(
        out.contains(
            "From [`benchmarks/results/2026-04-01-ddddddd/cost.json`]"
                + "(benchmarks/results/2026-04-01-ddddddd/cost.json)"),
        out);
    assertTrue(out.contains("load average 0.50 0.60 0.70 before and 1.00 0.90 0.80 after"), out);

    List<Check> checks = new CostTable(results, Path.of("")).checks();
    assertEquals(2, checks.size(), "the cases of 64 trees reach the chart: " + checks);
    assertTrue(checks.get(0).met(), "0.8 % meets ≤ 1 %: " + checks.get(0));
    assertTrue(!checks.get(1).met(), "1.6 % misses ≤ 1 %: " + checks.get(1));
  }

  @Test
  void theSupervisorsCostNoRunHoldsSaysSo(@TempDir Path repo) {
    Results none = Results.load(repo, repo.resolve("benchmarks/results"));
    assertEquals(
        "<!-- figures:cost -->\n*Not measured yet: no run under `benchmarks/results/` holds"
            + " `cost.json`; `benchmarks/run-all` writes it.*\n<!-- /figures:cost -->",
        ReadmeFigures.rewrite(
            "<!-- figures:cost --><!-- /figures:cost -->", none, Path.of("README.md")));
    assertEquals(List.of(), new CostTable(none, Path.of("")).checks());
  }

  @Test
  void theHousekeeperTickOfSixtyFourTreesIsJudgedInEachModeOrSaidNotMeasured(@TempDir Path repo)
      throws IOException {
    Path older = repo.resolve("benchmarks/results/2026-05-01-eeeeeee");
    Files.createDirectories(older);
    Files.writeString(older.resolve("jmh.json"), jmh(1200, 1000));
    String doc = "<!-- figures:jmh --><!-- /figures:jmh -->";

    String before =
        ReadmeFigures.rewrite(
            doc, Results.load(repo, repo.resolve("benchmarks/results")), Path.of("README.md"));
    assertTrue(
        before.contains(
            "| one housekeeper tick of a pool holding 64 idle trees of 10 processes"
                + " (`cgroupMode=NONE`: no cgroups) | not measured yet: no"
                + " `HousekeeperTickBenchmark.tick` in this file | ≤ 2,500 µs (1 % of one core) |"),
        before);

    Path newer = repo.resolve("benchmarks/results/2026-05-02-fffffff");
    Files.createDirectories(newer);
    Files.writeString(
        newer.resolve("jmh.json"),
        "["
            + tick("AUTO", 64, 1800.0)
            + ","
            + tick("NONE", 64, 3100.0)
            + ","
            + tick("NONE", 0, 6.0)
            + "]");
    Results results = Results.load(repo, repo.resolve("benchmarks/results"));
    String out = ReadmeFigures.rewrite(doc, results, Path.of("README.md"));
    assertTrue(
        out.contains(
            "| one housekeeper tick of a pool holding 64 idle trees of 10 processes (default"
                + " `cgroupMode`: whatever the machine allowed) | **1800 µs** ± 1.0 | ≤ 2,500 µs"
                + " (1 % of one core) — met |"),
        out);
    assertTrue(
        out.contains(
            "(`cgroupMode=NONE`: no cgroups) | **3100 µs** ± 1.0 | ≤ 2,500 µs (1 % of one core)"
                + " — **missed** |"),
        out);
    assertTrue(
        out.contains("| `HousekeeperTickBenchmark.tick:cgroupMode=NONE,trees=0`"),
        "a tick of another tree count keeps a row of its own: " + out);
    List<Check> ticks =
        new JmhTable(results, Path.of(""))
            .checks().stream().filter(c -> c.label().startsWith("housekeeper tick")).toList();
    assertEquals(2, ticks.size(), ticks.toString());
    assertTrue(ticks.get(0).met() && !ticks.get(1).met(), ticks.toString());
  }

  private static String costCase(
      String mode, int trees, String containment, double percent, double micros, int threads) {
    return "{\"mode\": \""
        + mode
        + "\", \"trees\": "
        + trees
        + ", \"containment\": \""
        + containment
        + "\", \"percent_of_one_core\": "
        + percent
        + ", \"cpu_micros_per_tree_per_second\": "
        + micros
        + ", \"threads\": "
        + threads
        + ", \"threads_per_tree\": 3.125, \"left_alive\": 0}";
  }

  /** One HousekeeperTickBenchmark.tick entry of a JMH results file, with its parameters. */
  private static String tick(String mode, int trees, double micros) {
    return entry("HousekeeperTickBenchmark.tick", micros)
        .replace(
            "\"primaryMetric\"",
            "\"params\": {\"cgroupMode\": \""
                + mode
                + "\", \"trees\": \""
                + trees
                + "\"},"
                + " \"primaryMetric\"");
  }

  /** A JMH results file with RunAndReapBenchmark's two methods. */
  private static String jmh(double pool, double bare) {
    return "["
        + entry("RunAndReapBenchmark.bare", bare)
        + ","
        + entry("RunAndReapBenchmark.pool", pool)
        + "]";
  }

  private static String entry(String name, double score) {
    return entry(name, score, "us/op");
  }

  private static String entry(String name, double score, String unit) {
    return "{\"benchmark\": \"dev.stockade.benchmarks."
        + name
        + "\", \"primaryMetric\": {\"score\": "
        + score
        + ", \"scoreError\": 1.0, \"scoreUnit\": \""
        + unit
        + "\", \"rawData\": [["
        + score
        + "]]}}";
  }
}
