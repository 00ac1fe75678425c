package dev.stockade.benchmarks.figures;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One figure against its target, for the chart: {@code ratio} must be at least {@code target}
 * ({@code atLeast}) or at most it. {@link #margin} puts every kind on one scale: above 1 the target
 * is met, below 1 it is missed.
 *
 * @param label what is compared, short
 * @param ratio the measured ratio (or a time, for a target that is a time)
 * @param atLeast whether the target is a floor ("≥ 3×") rather than a ceiling ("≤ 1.3×")
 * @param target the ratio (or time) to reach
 * @param unit "×" for a ratio, " ms" for a time
 * @param source the run the figure comes from
 */
record Check(
    String label, double ratio, boolean atLeast, double target, String unit, String source) {
  private static final Pattern TARGET = Pattern.compile("([≥≤])\\s*([0-9.]+)\\s*×");

  double margin() {
    return atLeast ? ratio / target : target / ratio;
  }

  boolean met() {
    return margin() >= 1;
  }

  String ratioText() {
    return (unit.equals("×") ? Numbers.two(ratio) : Numbers.one(ratio)) + unit;
  }

  String targetText() {
    return (atLeast ? "≥ " : "≤ ") + Numbers.trim(target) + unit;
  }

  /** A check from a target written "≥ 3.0× faster" or "≤ 1.5× the child"; null if none. */
  static Check parse(String label, double ratio, String target, String source) {
    Matcher m = TARGET.matcher(target);
    if (!m.find() || !Double.isFinite(ratio)) {
      return null;
    }
    return new Check(
        label, ratio, m.group(1).equals("≥"), Double.parseDouble(m.group(2)), "×", source);
  }
}
