package dev.stockade.benchmarks.figures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' tables take their rows from the harness's JSON as they come: a comparison the
 * harness gains appears with its target and verdict, in the table of its run (every CPU, or one),
 * and in the chart when it has a target.
 */
class WorkerTableTest {
  @Test
  void everyRowOfEachRunGoesToItsOwnTableWithItsVerdict(@TempDir Path repo) throws IOException {
    Path run = repo.resolve("benchmarks/results/2026-03-01-ccccccc");
    Files.createDirectories(run);
    Files.writeString(
        run.resolve("workers.json"),
        workers(
            "0-1",
            row(
                "map of many on 2 JVM workers vs Pool(2).map",
                1.25,
                "1.25× faster",
                "≥ 1.0× faster",
                "PASS"),
            row(
                "round trip, thenApply(f).join() vs get()",
                1.8,
                "1.80× get()",
                "≤ 1.5× get()",
                "MISS"),
            row("JSON on a Python worker (for the record)", 0.5, "2.00× slower", "—", "—")));
    Files.writeString(
        run.resolve("workers-one-cpu.json"),
        workers(
            "0",
            row(
                "map of many on 2 JVM workers vs Pool(2).map",
                0.8,
                "1.25× slower",
                "≥ 1.0× faster",
                "MISS")));
    Results results = Results.load(repo, repo.resolve("benchmarks/results"));

    String all =
        ReadmeFigures.rewrite(
            "<!-- figures:workers --><!-- /figures:workers -->", results, Path.of("README.md"));
    assertTrue(
        all.contains(
            "| map of many on 2 JVM workers vs Pool(2).map | 8.0 ± 0.1 ms vs 10.0 ± 0.2 ms:"
                + " **1.25× faster** | ≥ 1.0× faster — met |"),
        all);
    assertTrue(all.contains("**1.80× get()** | ≤ 1.5× get() — **missed** |"), all);
    assertTrue(all.contains("**2.00× slower** | — |"), all);
    assertTrue(all.contains("2026-03-01-ccccccc/workers.json"), all);
    assertTrue(all.contains("the CPUs the run was allowed: 0-1"), all);

    String one =
        ReadmeFigures.rewrite(
            "<!-- figures:workers-one-cpu --><!-- /figures:workers-one-cpu -->",
            results,
            Path.of("README.md"));
    assertTrue(one.contains("**1.25× slower** | ≥ 1.0× faster — **missed** |"), one);
    assertTrue(one.contains("2026-03-01-ccccccc/workers-one-cpu.json"), one);
    assertTrue(one.contains("the CPUs the run was allowed: 0."), one);
    assertTrue(!one.contains("get()"), "the one-CPU table holds its own run's rows only: " + one);

    List<Check> checks = new WorkerTable(results, Path.of(""), WorkerTable.ALL_CPUS).checks("");
    assertEquals(2, checks.size(), "the rows with a target reach the chart: " + checks);
    assertTrue(checks.get(0).met(), checks.get(0).toString());
    assertTrue(!checks.get(1).met(), "1.8× get() misses ≤ 1.5×: " + checks.get(1));
  }

  private static String workers(String cpus, String... rows) {
    return "{\"processors\": 2, \"cpus_allowed\": \""
        + cpus
        + "\", \"load_average_before\": \"1.00 1.00 1.00\", \"load_average_after\": \"2.00 2.00"
        + " 2.00\", \"figures\": [], \"comparisons\": ["
        + String.join(",", rows)
        + "], \"python_passes\": [], \"leftover_processes\": 0}";
  }

  private static String row(
      String what, double ratio, String ratioText, String target, String verdict) {
    return "{\"comparison\": \""
        + what
        + "\", \"stockade\": \"8.0 ± 0.1 ms\", \"baseline\": \"10.0 ± 0.2 ms\", \"ratio\": "
        + ratio
        + ", \"ratio_text\": \""
        + ratioText
        + "\", \"target\": \""
        + target
        + "\", \"verdict\": \""
        + verdict
        + "\"}";
  }
}
