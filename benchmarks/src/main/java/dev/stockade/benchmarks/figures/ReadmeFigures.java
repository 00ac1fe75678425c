package dev.stockade.benchmarks.figures;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes the figures of the README and the docs from the runs under {@code benchmarks/results/}:
 * each table between {@code <!-- figures:KEY -->} and {@code <!-- /figures:KEY -->}, each figure in
 * a sentence between {@code <!-- figure:KEY -->} and {@code <!-- /figure -->}, and the chart {@code
 * docs/benchmarks.svg}. Every table and figure names the results file it comes from. Nothing
 * outside the markers is touched.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.stockade.benchmarks.figures.ReadmeFigures \
 *     [--check] [--repository DIR] [--results DIR] [--output DIR]
 * </pre>
 *
 * <p>{@code --check} writes nothing and exits 1 if a file differs from what would be written;
 * {@code --output DIR} writes the files under DIR instead of in place (for a smoke run).
 */
public final class ReadmeFigures {
  /** The chart, in the repository. */
  public static final Path CHART = Path.of("docs", "benchmarks.svg");

  private static final Pattern BLOCK =
      Pattern.compile(
          "(<!-- figures:([a-z0-9-]+) -->)(.*?)(<!-- /figures:\\2 -->)", Pattern.DOTALL);
  private static final Pattern INLINE =
      Pattern.compile("(<!-- figure:([a-z0-9-]+) -->)(.*?)(<!-- /figure -->)", Pattern.DOTALL);

  private ReadmeFigures() {}

  public static void main(String[] args) throws IOException {
    boolean check = false;
    Path repository = Path.of("");
    Path resultsRoot = null;
    Path output = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--check" -> check = true;
        case "--repository" -> repository = Path.of(args[++i]);
        case "--results" -> resultsRoot = Path.of(args[++i]);
        case "--output" -> output = Path.of(args[++i]);
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; allowed: --check, --repository DIR, --results DIR, --output DIR");
      }
    }
    repository = repository.toAbsolutePath().normalize();
    Path root = resultsRoot == null ? defaultResults(repository) : resultsRoot.toAbsolutePath();
    Map<Path, String> expected = render(repository, root);
    List<Path> differing = new ArrayList<>();
    for (Map.Entry<Path, String> e : expected.entrySet()) {
      Path file = repository.resolve(e.getKey());
      String now = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
      if (now.equals(e.getValue())) {
        continue;
      }
      differing.add(e.getKey());
      if (!check) {
        Path target = output == null ? file : output.resolve(e.getKey());
        Files.createDirectories(target.getParent());
        Files.writeString(target, e.getValue(), StandardCharsets.UTF_8);
      }
    }
    if (check && !differing.isEmpty()) {
      System.err.println("figures differ from " + root + " in: " + differing);
      System.exit(1);
    }
    System.out.println(
        (check ? "figures checked" : "figures written")
            + " from "
            + root
            + (differing.isEmpty() ? "; nothing changed" : "; changed: " + differing));
  }

  /** {@code benchmarks/results} of the repository. */
  public static Path defaultResults(Path repository) {
    return repository.resolve("benchmarks").resolve("results");
  }

  /**
   * What each document with markers, and the chart, should hold: paths relative to {@code
   * repository}.
   */
  public static Map<Path, String> render(Path repository, Path resultsRoot) throws IOException {
    Path repo = repository.toAbsolutePath().normalize();
    Results results = Results.load(repo, resultsRoot.toAbsolutePath().normalize());
    Map<Path, String> out = new LinkedHashMap<>();
    for (Path doc : documents(repo)) {
      String text = Files.readString(repo.resolve(doc), StandardCharsets.UTF_8);
      String rendered = rewrite(text, results, doc);
      if (!rendered.equals(text) || BLOCK.matcher(text).find() || INLINE.matcher(text).find()) {
        out.put(doc, rendered);
      }
    }
    out.put(CHART, Chart.svg(checks(results), results.rootName()));
    return out;
  }

  /** The README, the benchmarks' README and every Markdown file of docs/. */
  static List<Path> documents(Path repository) throws IOException {
    List<Path> docs =
        new ArrayList<>(List.of(Path.of("README.md"), Path.of("benchmarks", "README.md")));
    try (Stream<Path> files = Files.list(repository.resolve("docs"))) {
      files
          .filter(f -> f.getFileName().toString().endsWith(".md"))
          .sorted()
          .forEach(f -> docs.add(repository.relativize(f)));
    }
    return docs;
  }

  static String rewrite(String text, Results results, Path doc) {
    Matcher blocks = BLOCK.matcher(text);
    StringBuilder s = new StringBuilder();
    while (blocks.find()) {
      String body = block(blocks.group(2), results, doc);
      blocks.appendReplacement(
          s, Matcher.quoteReplacement(blocks.group(1) + "\n" + body + "\n" + blocks.group(4)));
    }
    blocks.appendTail(s);
    Inline inline = new Inline(results, doc);
    Matcher figures = INLINE.matcher(s.toString());
    StringBuilder t = new StringBuilder();
    while (figures.find()) {
      String value = inline.render(figures.group(2));
      figures.appendReplacement(
          t, Matcher.quoteReplacement(figures.group(1) + value + figures.group(4)));
    }
    figures.appendTail(t);
    return t.toString();
  }

  private static String block(String key, Results results, Path doc) {
    return switch (key) {
      case "machine" -> Blocks.machine(results, doc, JmhTable.MAIN);
      case "jmh" -> new JmhTable(results, doc).markdown();
      case "memory" -> Blocks.memory(results, doc);
      case "cost" -> new CostTable(results, doc).markdown();
      case "demo" -> Blocks.demo(results, doc);
      case "workers" -> new WorkerTable(results, doc, WorkerTable.ALL_CPUS).markdown();
      case "workers-one-cpu" -> new WorkerTable(results, doc, WorkerTable.ONE_CPU).markdown();
      default ->
          throw new IllegalArgumentException(
              doc
                  + ": unknown figures block '"
                  + key
                  + "'; known: machine, jmh, memory, cost, demo,"
                  + " workers-machine, workers, workers-one-cpu");
    };
  }

  private static List<Check> checks(Results results) {
    Path none = Path.of("");
    List<Check> checks = new ArrayList<>(new JmhTable(results, none).checks());
    checks.addAll(new CostTable(results, none).checks());
    checks.addAll(new WorkerTable(results, none, WorkerTable.ALL_CPUS).checks(""));
    checks.addAll(new WorkerTable(results, none, WorkerTable.ONE_CPU).checks("one CPU: "));
    return checks;
  }
}
