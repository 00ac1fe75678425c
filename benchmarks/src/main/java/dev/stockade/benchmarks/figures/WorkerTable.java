package dev.stockade.benchmarks.figures;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stockade.benchmarks.figures.Results.Source;
import dev.stockade.benchmarks.figures.Scores.Comparison;
import dev.stockade.benchmarks.figures.Scores.Score;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's tables of {@code MultiprocessingComparison}: every comparison the harness judged, in
 * its own words, from its JSON ({@code workers.json}; {@code workers-one-cpu.json} for the run
 * pinned to one CPU) or, for runs before JSON was kept, from the text it printed ({@code
 * workers.txt}). Rows come from the file, so a comparison the harness gains appears here without a
 * change.
 */
final class WorkerTable {
  static final String ALL_CPUS = "workers";
  static final String ONE_CPU = "workers-one-cpu";

  private static final Pattern LOAD =
      Pattern.compile("load average \\(1, 5, 15 min\\) before the run: ([^;]+); after: (.+)");

  private final Results results;
  private final Path doc;
  private final String base;
  private final Optional<Source> source;

  WorkerTable(Results results, Path doc, String base) {
    this.results = results;
    this.doc = doc;
    this.base = base;
    this.source = source(results, base);
  }

  /** The newer of the newest {@code base.json} and the newest {@code base.txt}; JSON on a tie. */
  static Optional<Source> source(Results results, String base) {
    Optional<Source> json = results.latest(base + ".json");
    Optional<Source> text = results.latest(base + ".txt");
    if (json.isEmpty() || text.isEmpty()) {
      return json.isPresent() ? json : text;
    }
    return json.get().run().started().compareTo(text.get().run().started()) >= 0 ? json : text;
  }

  Optional<Source> source() {
    return source;
  }

  List<Comparison> comparisons() {
    if (source.isEmpty()) {
      return List.of();
    }
    Source s = source.get();
    return s.file().endsWith(".json")
        ? Scores.workerComparisons(s.json())
        : Scores.workerComparisons(s.text());
  }

  Map<String, Score> figures() {
    if (source.isEmpty()) {
      return Map.of();
    }
    Source s = source.get();
    return s.file().endsWith(".json")
        ? Scores.workerFigures(s.json())
        : Scores.workerFigures(s.text());
  }

  String markdown() {
    if (source.isEmpty()) {
      return Blocks.missing(results, base + ".json");
    }
    StringBuilder s = new StringBuilder("| comparison | result | target |\n| --- | --- | --- |\n");
    for (Comparison c : comparisons()) {
      if (!Double.isFinite(c.ratio())) {
        s.append("| ").append(c.what()).append(" | not run | ").append(c.target()).append(" |\n");
        continue;
      }
      s.append("| ").append(c.what()).append(" | ");
      s.append(c.stockade()).append(" vs ").append(c.baseline()).append(": **");
      s.append(c.ratioText()).append("** | ");
      s.append(c.target().equals("—") ? "—" : c.target() + " — " + verdict(c.verdict()));
      s.append(" |\n");
    }
    s.append("\nFrom ").append(results.link(source.get(), doc));
    String[] load = load();
    if (load != null) {
      s.append("; load average ").append(load[0]).append(" before the run and ").append(load[1]);
      s.append(" after (1, 5, 15 min)");
    }
    String cpus = cpusAllowed();
    if (cpus != null) {
      s.append("; the CPUs the run was allowed: ").append(cpus);
    }
    return s.append(
            ". Each value is a mean ± its error: JMH's 99.9 % interval, or the standard"
                + " deviation of the Python iterations.")
        .toString();
  }

  List<Check> checks(String prefix) {
    List<Check> checks = new ArrayList<>();
    source.ifPresent(
        src -> {
          for (Comparison c : comparisons()) {
            Check check = Check.parse(prefix + c.what(), c.ratio(), c.target(), src.run().name());
            if (check != null) {
              checks.add(check);
            }
          }
        });
    return checks;
  }

  private String[] load() {
    Source s = source.get();
    if (s.file().endsWith(".json")) {
      JsonNode j = s.json();
      return j.has("load_average_before")
          ? new String[] {
            j.path("load_average_before").asText(), j.path("load_average_after").asText()
          }
          : null;
    }
    Matcher m = LOAD.matcher(s.text());
    return m.find() ? new String[] {m.group(1).trim(), m.group(2).trim()} : null;
  }

  /** The CPUs the run was allowed ({@code 0} when pinned), if its file says. */
  private String cpusAllowed() {
    Source s = source.get();
    if (!s.file().endsWith(".json")) {
      return null;
    }
    JsonNode cpus = s.json().path("cpus_allowed");
    return cpus.isTextual() ? cpus.asText() : null;
  }

  private static String verdict(String verdict) {
    return switch (verdict) {
      case "PASS" -> "met";
      case "MISS" -> "**missed**";
      case "—", "-", "" -> "for the record";
      default -> verdict;
    };
  }
}
