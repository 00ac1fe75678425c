package dev.stockade.benchmarks.figures;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of one results file, by short name ({@code RunAndReapBenchmark.pool}, {@code
 * Pool(1).apply}): from JMH's JSON ({@code -rf json}), from the JSON {@code
 * MultiprocessingComparison --json} writes, or from the text it prints (the runs before JSON was
 * kept).
 */
final class Scores {
  /** One figure: its mean, its error, its unit ("us/op", "ms/op") and every iteration. */
  record Score(double mean, double error, String unit, List<Double> raw) {
    double max() {
      return raw.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** The unit as the README writes it: "µs", "ms". */
    String shortUnit() {
      String u = unit.replace("/op", "");
      return u.equals("us") ? "µs" : u;
    }
  }

  /** One comparison of the workers' run, as the harness judged it. */
  record Comparison(
      String what,
      String stockade,
      String baseline,
      double ratio,
      String ratioText,
      String target,
      String verdict) {}

  private static final Pattern FIGURE_LINE =
      Pattern.compile(
          "^(\\S+)\\s+([0-9.]+) ±\\s+([0-9.]+) (\\S+)\\s+\\(median [0-9.]+, n = (\\d+)\\)$");

  private Scores() {}

  /** Every benchmark of a JMH results file, by class and method name, with its parameters. */
  static Map<String, Score> jmh(JsonNode results) {
    Map<String, Score> scores = new LinkedHashMap<>();
    for (JsonNode b : results) {
      String full = b.path("benchmark").asText();
      String name = full.substring(full.lastIndexOf('.', full.lastIndexOf('.') - 1) + 1);
      JsonNode params = b.path("params");
      if (params.isObject() && params.size() > 0) {
        List<String> ps = new ArrayList<>();
        params.fields().forEachRemaining(e -> ps.add(e.getKey() + "=" + e.getValue().asText()));
        name += ":" + String.join(",", ps);
      }
      JsonNode m = b.path("primaryMetric");
      List<Double> raw = new ArrayList<>();
      for (JsonNode fork : m.path("rawData")) {
        fork.forEach(v -> raw.add(v.asDouble()));
      }
      scores.put(
          name,
          new Score(
              m.path("score").asDouble(),
              m.path("scoreError").asDouble(Double.NaN),
              m.path("scoreUnit").asText(),
              raw));
    }
    return scores;
  }

  /** The figures of a MultiprocessingComparison JSON file. */
  static Map<String, Score> workerFigures(JsonNode json) {
    Map<String, Score> scores = new LinkedHashMap<>();
    for (JsonNode f : json.path("figures")) {
      List<Double> raw = new ArrayList<>();
      f.path("raw").forEach(v -> raw.add(v.asDouble()));
      scores.put(
          f.path("name").asText(),
          new Score(
              f.path("mean").asDouble(), f.path("error").asDouble(), f.path("unit").asText(), raw));
    }
    return scores;
  }

  /** The comparisons of a MultiprocessingComparison JSON file. */
  static List<Comparison> workerComparisons(JsonNode json) {
    List<Comparison> rows = new ArrayList<>();
    for (JsonNode c : json.path("comparisons")) {
      rows.add(
          new Comparison(
              c.path("comparison").asText(),
              c.path("stockade").asText(),
              c.path("baseline").asText(),
              c.path("ratio").asDouble(Double.NaN),
              c.path("ratio_text").asText(),
              c.path("target").asText(),
              c.path("verdict").asText()));
    }
    return rows;
  }

  /** The figures printed under "# Figures" by MultiprocessingComparison. */
  static Map<String, Score> workerFigures(String text) {
    Map<String, Score> scores = new LinkedHashMap<>();
    for (String line : section(text, "# Figures")) {
      Matcher m = FIGURE_LINE.matcher(line.trim());
      if (m.matches()) {
        scores.put(
            m.group(1),
            new Score(
                Double.parseDouble(m.group(2)),
                Double.parseDouble(m.group(3)),
                m.group(4),
                List.of()));
      }
    }
    return scores;
  }

  /** The table printed under "# Against the targets" by MultiprocessingComparison. */
  static List<Comparison> workerComparisons(String text) {
    List<Comparison> rows = new ArrayList<>();
    for (String line : section(text, "# Against the targets")) {
      String[] cells = line.split("\\|", -1);
      if (cells.length != 8
          || cells[1].isBlank()
          || cells[1].contains("---")
          || cells[1].trim().equals("comparison")) {
        continue;
      }
      String ratioText = cells[4].trim();
      rows.add(
          new Comparison(
              cells[1].trim(),
              cells[2].trim(),
              cells[3].trim(),
              ratioOf(ratioText),
              ratioText,
              cells[5].trim(),
              cells[6].trim()));
    }
    return rows;
  }

  /** The ratio the harness means by "6.43× faster", "2.06× slower" or "1.44× the child". */
  static double ratioOf(String ratioText) {
    Matcher m = Pattern.compile("([0-9.]+)×( slower)?").matcher(ratioText);
    if (!m.find()) {
      return Double.NaN;
    }
    double r = Double.parseDouble(m.group(1));
    return m.group(2) != null ? 1 / r : r;
  }

  /** The lines after the line starting with {@code heading}, up to the next blank line. */
  private static List<String> section(String text, String heading) {
    List<String> lines = new ArrayList<>();
    boolean in = false;
    for (String line : text.split("\n", -1)) {
      if (line.startsWith(heading)) {
        in = true;
      } else if (in && line.isBlank()) {
        break;
      } else if (in) {
        lines.add(line);
      }
    }
    return lines;
  }
}
