package dev.stockade.benchmarks.figures;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stockade.benchmarks.figures.Results.Source;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The generated blocks that are not tables of JMH or worker figures: the machine of a run, the
 * RSS/PSS table of {@code MemoryAccuracyReport}, and the demo's output.
 */
final class Blocks {
  static final String MEMORY = "memory.json";
  static final String DEMO = "demo.txt";

  private Blocks() {}

  /** What a block says when no run holds its file yet. */
  static String missing(Results results, String file) {
    return "*Not measured yet: no run under `"
        + results.rootName()
        + "/` holds `"
        + file
        + "`; `benchmarks/run-all` writes it.*";
  }

  /** "cgroup v1 here", from run.json's machine. */
  static String cgroupWords(JsonNode machine) {
    String mode = machine.path("cgroup_mode").asText("");
    return switch (mode) {
      case "V1" -> "cgroup v1 here";
      case "V2" -> "cgroup v2 here";
      case "NONE" -> "no usable cgroups here";
      default -> "cgroup mode not recorded";
    };
  }

  /** One sentence on the machine and load of the run that wrote {@code file}. */
  static String machine(Results results, Path doc, String file) {
    Optional<Source> source = results.latest(file).flatMap(results::infoOf);
    if (source.isEmpty()) {
      return missing(results, RunInfo.FILE);
    }
    JsonNode run = source.get().json();
    JsonNode m = run.path("machine");
    List<String> parts = new ArrayList<>();
    add(parts, m.path("os").asText(null), "");
    add(parts, m.path("kernel").asText(null), "kernel ");
    if (m.has("processors")) {
      parts.add(m.path("processors").asInt() + " vCPUs" + paren(m.path("cpu_model").asText(null)));
    }
    add(parts, m.path("java").asText(null), "");
    add(parts, m.path("python").asText(null), "");
    if (m.has("cgroup_mode")) {
      parts.add(
          cgroupWords(m)
              + (m.has("cgroup_filesystem")
                  ? " (cgroup filesystem " + m.path("cgroup_filesystem").asText() + ")"
                  : ""));
    }
    if (m.has("processes_running")) {
      parts.add(m.path("processes_running").asInt() + " processes running at the start");
    }
    StringBuilder s = new StringBuilder("Run ").append(source.get().run().name());
    String commit = run.path("commit").asText("");
    if (!commit.isEmpty()) {
      s.append(", at commit `").append(commit, 0, Math.min(12, commit.length())).append('`');
      s.append(run.path("dirty").asBoolean() ? " with uncommitted changes" : "");
    }
    s.append(": ").append(String.join(", ", parts));
    if (run.has("load_average_before")) {
      s.append("; load average ")
          .append(run.path("load_average_before").asText())
          .append(" before");
      if (run.has("load_average_after")) {
        s.append(" and ").append(run.path("load_average_after").asText()).append(" after");
      }
      s.append(" (1, 5, 15 min)");
    }
    String note = run.path("note").asText("");
    if (!note.isEmpty()) {
      s.append(". ").append(note);
    }
    return s.append(" (").append(results.link(source.get(), doc)).append(").").toString();
  }

  /** Summed RSS against summed PSS of each tree, and what an RSS cap would do to the last. */
  static String memory(Results results, Path doc) {
    Optional<Source> source = results.latest(MEMORY);
    if (source.isEmpty()) {
      return missing(results, MEMORY);
    }
    StringBuilder s = new StringBuilder();
    s.append("| tree | processes | summed RSS | summed PSS | RSS / PSS |\n");
    s.append("| --- | --- | --- | --- | --- |\n");
    JsonNode last = null;
    for (JsonNode t : source.get().json().path("trees")) {
      double rss = t.path("rss_bytes").asDouble();
      double pss = t.path("pss_bytes").asDouble();
      s.append("| ")
          .append(t.path("tree").asText())
          .append(" | ")
          .append(t.path("processes").asInt());
      s.append(" | ").append(Numbers.mib(rss)).append(" | ").append(Numbers.mib(pss));
      s.append(" | ").append(Numbers.one(rss / pss)).append("× |\n");
      last = t;
    }
    s.append("\nFrom ").append(results.link(source.get(), doc)).append('.');
    if (last != null) {
      double share = 100 * last.path("pss_bytes").asDouble() / last.path("rss_bytes").asDouble();
      s.append(" A cap on summed RSS would end the last of these trees (")
          .append(last.path("tree").asText())
          .append(") at ")
          .append(String.format(Locale.ROOT, "%.0f", share))
          .append(" % of what it really holds.");
    }
    return s.toString();
  }

  /** The demo's table of outcomes and its count of processes left behind, as it printed them. */
  static String demo(Results results, Path doc) {
    Optional<Source> source = results.latest(DEMO);
    if (source.isEmpty()) {
      return missing(results, DEMO);
    }
    List<String> kept = new ArrayList<>();
    boolean inTable = false;
    for (String line : source.get().text().split("\n", -1)) {
      // The table of outcomes, and below it the trees the pool ended, as they were then.
      if ((line.startsWith("task ") && line.contains("outcome"))
          || line.startsWith("the trees the pool ended")) {
        if (!kept.isEmpty()) {
          kept.add("");
        }
        inTable = true;
      }
      if (inTable && line.isBlank()) {
        inTable = false;
      }
      if ((inTable || line.startsWith("processes left behind:")) && !line.contains("\r")) {
        kept.add(line.stripTrailing());
      }
    }
    if (kept.stream().noneMatch(l -> l.startsWith("processes left behind:"))) {
      throw new IllegalStateException(
          source.get().path() + " holds no table of the demo's outcomes: did the demo run?");
    }
    return "```\n"
        + String.join("\n", kept)
        + "\n```\n\nOutput of "
        + results.link(source.get(), doc)
        + ".";
  }

  private static void add(List<String> parts, String value, String prefix) {
    if (value != null && !value.isBlank() && !value.equals("unknown")) {
      parts.add(prefix + value);
    }
  }

  private static String paren(String value) {
    return value == null || value.isBlank() || value.equals("unknown") ? "" : " (" + value + ")";
  }
}
