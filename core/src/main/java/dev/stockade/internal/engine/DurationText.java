package dev.stockade.internal.engine;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A duration read from text as configuration writes it: a whole number and a unit ({@code 30s},
 * {@code 500ms}, {@code 2h}), the units of Spring Boot's simple style, or ISO-8601 ({@code PT30S}).
 * A bare number is refused: whether {@code 30} means seconds or milliseconds is exactly the mistake
 * a limit must not be left to.
 */
public final class DurationText {
  /** What is allowed, as messages say it. */
  public static final String ALLOWED =
      "a whole number and a unit of ns, us, ms, s, m, h or d (such as 30s or 500ms), or ISO-8601"
          + " (such as PT30S)";

  private static final Pattern SIMPLE = Pattern.compile("\\s*([-+]?\\d+)\\s*([a-zA-Zµ]+)\\s*");

  private static final Map<String, ChronoUnit> UNITS =
      Map.of(
          "ns", ChronoUnit.NANOS,
          "us", ChronoUnit.MICROS,
          "µs", ChronoUnit.MICROS,
          "ms", ChronoUnit.MILLIS,
          "s", ChronoUnit.SECONDS,
          "m", ChronoUnit.MINUTES,
          "h", ChronoUnit.HOURS,
          "d", ChronoUnit.DAYS);

  private DurationText() {}

  /**
   * The duration {@code text} names.
   *
   * @throws IllegalArgumentException if it names none; the message is {@link #ALLOWED}'s, for the
   *     caller to put its setting's name in front of
   */
  public static Duration parse(String text) {
    String trimmed = text.trim();
    if (trimmed.startsWith("P") || trimmed.startsWith("p") || trimmed.startsWith("-P")) {
      try {
        return Duration.parse(trimmed);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(ALLOWED, e);
      }
    }
    Matcher m = SIMPLE.matcher(text);
    ChronoUnit unit = m.matches() ? UNITS.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
    if (unit == null) {
      throw new IllegalArgumentException(ALLOWED);
    }
    try {
      return Duration.of(Long.parseLong(m.group(1)), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(ALLOWED, e);
    }
  }
}
