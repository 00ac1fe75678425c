package dev.stockade.benchmarks.figures;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's demo block comes from a demo that ran: a step that failed gives no figure, and an
 * output without the demo's table stops the figures instead of showing an empty block.
 */
class DemoBlockTest {
  private static final String DEMO_OUTPUT =
      """
      task                     outcome              reason
      ------------------------ -------------------- ------
      echo                     ok                   printed: ok

      processes left behind: 0
      """;

  private static final String BLOCK = "<!-- figures:demo --><!-- /figures:demo -->";

  @Test
  void theOutputOfAFailedDemoStepIsPassedOverForTheRunBefore(@TempDir Path repo)
      throws IOException {
    Path older = run(repo, "2026-03-01-aaaaaaa", "2026-03-01T10:00:00Z", 0, DEMO_OUTPUT);
    run(repo, "2026-03-02-bbbbbbb", "2026-03-02T10:00:00Z", 1, "[ERROR] COMPILATION ERROR");
    Results results = Results.load(repo, repo.resolve("benchmarks/results"));

    String readme = ReadmeFigures.rewrite(BLOCK, results, Path.of("README.md"));

    assertTrue(readme.contains("processes left behind: 0"), readme);
    assertTrue(readme.contains(older.getFileName() + "/demo.txt"), readme);
  }

  @Test
  void theTreesThePoolEndedAreShownBelowTheTable(@TempDir Path repo) throws IOException {
    String demo =
        DEMO_OUTPUT.replace(
            "\nprocesses left behind",
            """

            the trees the pool ended, as they were then (largest first):
              leak:
                pid 7 (parent 6) 41.6 MiB RSS - dd if=/dev/zero of=/dev/null bs=40M

            all 1 tasks done in 0.1 s; pool closed
            processes left behind""");
    run(repo, "2026-03-01-aaaaaaa", "2026-03-01T10:00:00Z", 0, demo);
    Results results = Results.load(repo, repo.resolve("benchmarks/results"));

    String readme = ReadmeFigures.rewrite(BLOCK, results, Path.of("README.md"));

    assertTrue(
        readme.contains(
            "echo                     ok                   printed: ok\n"
                + "\n"
                + "the trees the pool ended, as they were then (largest first):\n"
                + "  leak:\n"
                + "    pid 7 (parent 6) 41.6 MiB RSS - dd if=/dev/zero of=/dev/null bs=40M\n"
                + "processes left behind: 0"),
        readme);
    assertTrue(!readme.contains("all 1 tasks done"), readme);
  }

  @Test
  void aDemoOutputWithoutItsTableStopsTheFigures(@TempDir Path repo) throws IOException {
    run(repo, "2026-03-02-bbbbbbb", "2026-03-02T10:00:00Z", 0, "[ERROR] COMPILATION ERROR");
    Results results = Results.load(repo, repo.resolve("benchmarks/results"));

    assertThrows(
        IllegalStateException.class,
        () -> ReadmeFigures.rewrite(BLOCK, results, Path.of("README.md")));
  }

  private static Path run(Path repo, String name, String started, int demoExit, String demo)
      throws IOException {
    Path dir = Files.createDirectories(repo.resolve("benchmarks/results").resolve(name));
    Files.writeString(dir.resolve("demo.txt"), demo);
    Files.writeString(
        dir.resolve("run.json"),
        "{\"started\": \""
            + started
            + "\", \"steps\": [{\"name\": \"demo\", \"exit_code\": "
            + demoExit
            + ", \"seconds\": 1, \"command\": \"mvn exec:java\"}]}");
    return dir;
  }
}
