package dev.stockade.benchmarks.figures;

import java.util.Locale;

/** How the figures write numbers: few digits, the README's units. */
final class Numbers {
  private Numbers() {}

  /** A time: whole units from 100 up, one decimal below. */
  static String time(double value, String unit) {
    return (value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : one(value)) + " " + unit;
  }

  static String one(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  static String two(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }

  /** "3" for 3.0, "1.3" for 1.3. */
  static String trim(double value) {
    return value == Math.rint(value)
        ? String.format(Locale.ROOT, "%.0f", value)
        : String.format(Locale.ROOT, "%s", value);
  }

  static String mib(double bytes) {
    return one(bytes / 1048576.0) + " MiB";
  }
}
