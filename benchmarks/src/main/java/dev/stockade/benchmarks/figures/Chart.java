package dev.stockade.benchmarks.figures;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The ratios against their targets as an SVG bar chart, written by hand: one bar per target, its
 * length the margin by which the target is met (right of the line) or missed (left of it), on a log
 * scale from a tenth to ten times the target. Each bar is labelled with the figure and its target,
 * and the chart names the runs it comes from.
 */
final class Chart {
  private static final int WIDTH = 1000;
  private static final int LABEL_END = 530;
  private static final int PLOT_START = 540;
  private static final int PLOT_END = 900;
  private static final int ROW = 26;
  private static final int TOP = 60;
  private static final int MAX_LABEL = 78;

  private Chart() {}

  static String svg(List<Check> checks, String resultsRoot) {
    int height = TOP + ROW * Math.max(1, checks.size()) + 60;
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d"
                + " %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            WIDTH,
            height,
            WIDTH,
            height));
    s.append(
        String.format(
            Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
    s.append(
        "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Stockade's figures against"
            + " their targets</text>\n");
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"10\" y=\"42\" fill=\"#444\">Bar: how far each target is met (right of the"
                + " line, green) or missed (left, red); log scale, %s to %s the target.</text>%n",
            "0.1×",
            "10×"));
    int axisBottom = TOP + ROW * checks.size();
    double one = x(1);
    for (double tick : new double[] {0.1, 0.2, 0.5, 1, 2, 5, 10}) {
      double tx = x(tick);
      s.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>%n",
              tx,
              TOP - 6,
              tx,
              axisBottom,
              tick == 1 ? "#000" : "#ddd"));
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">%s</text>%n",
              tx,
              axisBottom + 14,
              Numbers.trim(tick) + "×"));
    }
    TreeSet<String> runs = new TreeSet<>();
    for (int i = 0; i < checks.size(); i++) {
      Check c = checks.get(i);
      runs.add(c.source());
      int y = TOP + ROW * i;
      double end = x(Math.max(0.1, Math.min(10, c.margin())));
      String colour = c.met() ? "#2e7d32" : "#c62828";
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
              LABEL_END,
              y + 16,
              escape(shorten(c.label()))));
      s.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
              Math.min(one, end),
              y + 5,
              Math.max(1, Math.abs(end - one)),
              ROW - 10,
              colour));
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" fill=\"%s\">%s</text>%n",
              Math.max(one, end) + 4,
              y + 16,
              colour,
              escape(c.ratioText() + " (" + c.targetText() + ")")));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"10\" y=\"%d\" fill=\"#444\">From %s: %s</text>%n",
            axisBottom + 40,
            escape(resultsRoot + "/"),
            escape(runs.isEmpty() ? "no results yet" : String.join(", ", runs))));
    return s.append("</svg>\n").toString();
  }

  private static double x(double margin) {
    double unit = Math.log10(margin); // -1 .. 1
    return PLOT_START + (unit + 1) / 2 * (PLOT_END - PLOT_START);
  }

  private static String shorten(String label) {
    return label.length() <= MAX_LABEL ? label : label.substring(0, MAX_LABEL - 1) + "…";
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
