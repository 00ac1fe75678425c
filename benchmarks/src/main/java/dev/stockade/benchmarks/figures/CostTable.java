package dev.stockade.benchmarks.figures;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stockade.benchmarks.figures.Results.Source;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The README's block on what supervising idle trees costs the supervising JVM, from {@code
 * SupervisorCost --json} ({@code cost.json}): for each mode and tree count the whole JVM's share of
 * one core above its baseline, the CPU each tree costs per second and the JVM's threads; the target
 * of at most 1 % of one core with 64 idle trees, judged in each mode; and what 1,000 trees would
 * cost at the per-tree rate of the largest count measured. Rows come from the file, so a mode or a
 * tree count the harness gains appears here without a change.
 */
final class CostTable {
  static final String FILE = "cost.json";
  static final double TARGET_PERCENT = 1;
  static final int TARGET_TREES = 64;
  static final int SIZED_TREES = 1000;

  private final Results results;
  private final Path doc;
  private final Optional<Source> source;

  CostTable(Results results, Path doc) {
    this.results = results;
    this.doc = doc;
    this.source = results.latest(FILE);
  }

  String markdown() {
    if (source.isEmpty()) {
      return Blocks.missing(results, FILE);
    }
    JsonNode json = source.get().json();
    StringBuilder s =
        new StringBuilder(
            "| mode | trees | whole JVM, % of one core above its baseline | CPU per tree per"
                + " second | threads | target |\n");
    s.append("| --- | --- | --- | --- | --- | --- |\n");
    boolean judged = false;
    List<String> leftBehind = new ArrayList<>();
    for (JsonNode c : json.path("cases")) {
      int trees = c.path("trees").asInt();
      boolean target = trees == TARGET_TREES;
      judged |= target;
      s.append("| ").append(mode(c)).append(" | ").append(trees).append(" | ");
      if (c.has("error")) {
        s.append("failed: ").append(cell(c.path("error").asText())).append(" | — | — | ");
        s.append(target ? targetText() + " — not measured" : "—").append(" |\n");
        continue;
      }
      double percent = c.path("percent_of_one_core").asDouble();
      s.append(target ? "**" + percent(percent) + "**" : percent(percent)).append(" | ");
      s.append(Numbers.time(c.path("cpu_micros_per_tree_per_second").asDouble(), "µs"));
      s.append(" | ").append(c.path("threads").asInt());
      if (c.has("threads_per_tree")) {
        s.append(" (").append(Numbers.one(c.path("threads_per_tree").asDouble()));
        s.append(" per tree)");
      }
      s.append(" | ");
      s.append(target ? targetText() + " — " + JmhTable.verdict(met(percent)) : "—");
      s.append(" |\n");
      if (c.path("left_alive").asInt() > 0) {
        leftBehind.add(
            "`"
                + c.path("mode").asText()
                + "` with "
                + trees
                + " trees left "
                + c.path("left_alive").asInt());
      }
    }
    if (!judged) {
      s.append("\nNo case of ").append(TARGET_TREES).append(" trees in this run: the target (");
      s.append(targetText()).append(") is not judged.\n");
    }
    String sizing = sizing(json);
    if (!sizing.isEmpty()) {
      s.append('\n').append(sizing).append('\n');
    }
    if (!leftBehind.isEmpty()) {
      s.append("\n**Processes left behind:** ").append(String.join("; ", leftBehind));
      s.append(".\n");
    }
    s.append("\nFrom ").append(results.link(source.get(), doc)).append(": ");
    s.append(describe(json)).append('.');
    return s.toString();
  }

  /** The target of each mode's case of 64 trees, for the chart. */
  List<Check> checks() {
    List<Check> checks = new ArrayList<>();
    source.ifPresent(
        src -> {
          for (JsonNode c : src.json().path("cases")) {
            if (c.path("trees").asInt() == TARGET_TREES && !c.has("error")) {
              // A share below the baseline's is noise: it meets the target by any margin.
              double percent = Math.max(0, c.path("percent_of_one_core").asDouble());
              checks.add(
                  new Check(
                      "supervisor's CPU, " + TARGET_TREES + " idle trees, " + modeName(c),
                      percent,
                      false,
                      TARGET_PERCENT,
                      " %",
                      src.run().name()));
            }
          }
        });
    return checks;
  }

  static boolean met(double percent) {
    return percent <= TARGET_PERCENT;
  }

  /**
   * What 1,000 trees would cost in each mode at the per-tree rate of its largest tree count; empty
   * if no case has figures.
   */
  private static String sizing(JsonNode json) {
    Map<String, JsonNode> largest = new LinkedHashMap<>();
    for (JsonNode c : json.path("cases")) {
      if (c.has("error") || !c.has("cpu_micros_per_tree_per_second")) {
        continue;
      }
      JsonNode known = largest.get(modeName(c));
      if (known == null || c.path("trees").asInt() > known.path("trees").asInt()) {
        largest.put(modeName(c), c);
      }
    }
    boolean oneCount =
        largest.values().stream().mapToInt(c -> c.path("trees").asInt()).distinct().count() == 1;
    List<String> parts = new ArrayList<>();
    for (JsonNode c : largest.values()) {
      double micros = c.path("cpu_micros_per_tree_per_second").asDouble();
      double percent = micros * SIZED_TREES / 1e6 * 100;
      parts.add(
          Numbers.time(micros, "µs")
              + " × "
              + thousands(SIZED_TREES)
              + " = **"
              + Numbers.one(percent)
              + " % of one core** with `"
              + modeName(c)
              + "`"
              + (oneCount ? "" : " (the rate of " + c.path("trees").asInt() + " trees)"));
    }
    if (parts.isEmpty()) {
      return "";
    }
    return thousands(SIZED_TREES)
        + " idle trees would take "
        + String.join(" and ", parts)
        + (oneCount
            ? ": the CPU per tree per second with "
                + largest.values().iterator().next().path("trees").asInt()
                + " trees, scaled"
            : ": each rate scaled")
        + " linearly, an estimate rather than a measurement.";
  }

  /** The window, the baseline and the load of the run. */
  private static String describe(JsonNode json) {
    List<String> parts = new ArrayList<>();
    JsonNode baseline = json.path("baseline");
    if (baseline.has("percent_of_one_core")) {
      parts.add(
          "the JVM's CPU time ("
              + "`utime + stime`) over a window of "
              + json.path("window_seconds").asInt()
              + " s after "
              + json.path("settle_seconds").asInt()
              + " s of settling, less the baseline, the same JVM with no pool: "
              + percent(baseline.path("percent_of_one_core").asDouble())
              + " of one core, "
              + baseline.path("threads").asInt()
              + " threads");
    }
    if (json.has("processes_per_tree")) {
      parts.add(json.path("processes_per_tree").asInt() + " idle processes per tree");
    }
    if (json.has("load_before")) {
      parts.add(
          "load average "
              + loadAverages(json.path("load_before").asText())
              + " before and "
              + loadAverages(json.path("load_after").asText())
              + " after (1, 5, 15 min)");
    }
    return String.join("; ", parts);
  }

  /** "0.90 1.74 2.10" of {@code /proc/loadavg}'s "0.90 1.74 2.10 2/203 26897". */
  private static String loadAverages(String loadavg) {
    String[] f = loadavg.trim().split("\\s+", -1);
    return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : loadavg;
  }

  /** "`AUTO` (cgroup v1 here)", from the containment the pool chose in that case. */
  private static String mode(JsonNode c) {
    String containment = c.path("containment").asText("");
    String words;
    if (containment.startsWith("cgroup v1")) {
      words = "cgroup v1 here";
    } else if (containment.startsWith("cgroup v2")) {
      words = "cgroup v2 here";
    } else if (containment.isEmpty()) {
      return "`" + modeName(c) + "`";
    } else {
      words = "no cgroups";
    }
    return "`" + modeName(c) + "` (" + words + ")";
  }

  private static String modeName(JsonNode c) {
    return c.path("mode").asText("?");
  }

  private static String targetText() {
    return "≤ "
        + Numbers.trim(TARGET_PERCENT)
        + " % of one core with "
        + TARGET_TREES
        + " idle trees";
  }

  private static String percent(double value) {
    return Numbers.two(value) + " %";
  }

  private static String thousands(int value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
