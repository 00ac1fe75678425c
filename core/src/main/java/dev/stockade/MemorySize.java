package dev.stockade;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of memory in bytes, never negative.
 *
 * <p>Binary units throughout: one mebibyte is 1,048,576 bytes. {@link #toString()} prints the
 * largest unit that keeps at least one whole unit, for instance {@code 512.0 MiB}, and {@link
 * #parse} reads that back, as well as the ways the JVM ({@code -Xmx2g}) and Spring Boot ({@code
 * 512MB}) write sizes, which are binary too.
 */
public final class MemorySize implements Comparable<MemorySize> {
  private static final long KIB = 1024L;
  private static final long MIB = KIB * 1024;
  private static final long GIB = MIB * 1024;
  private static final long TIB = GIB * 1024;

  /** What {@link #parse} reads: a number, then a unit or none. */
  private static final Pattern TEXT = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)\\s*");

  /** Every unit {@link #parse} knows, in lower case: all binary. */
  private static final Map<String, Long> UNITS =
      Map.ofEntries(
          Map.entry("", 1L),
          Map.entry("b", 1L),
          Map.entry("k", KIB),
          Map.entry("kb", KIB),
          Map.entry("kib", KIB),
          Map.entry("m", MIB),
          Map.entry("mb", MIB),
          Map.entry("mib", MIB),
          Map.entry("g", GIB),
          Map.entry("gb", GIB),
          Map.entry("gib", GIB),
          Map.entry("t", TIB),
          Map.entry("tb", TIB),
          Map.entry("tib", TIB));

  /** Zero bytes. */
  public static final MemorySize ZERO = new MemorySize(0);

  private final long bytes;

  private MemorySize(long bytes) {
    this.bytes = bytes;
  }

  /**
   * An amount given in bytes.
   *
   * @param bytes the amount in bytes
   * @return the size; {@link #ZERO} for 0
   * @throws IllegalArgumentException if {@code bytes} is negative
   */
  public static MemorySize ofBytes(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("memory size must be >= 0 bytes, but was " + bytes);
    }
    return bytes == 0 ? ZERO : new MemorySize(bytes);
  }

  /**
   * An amount given in kibibytes (1,024 bytes each).
   *
   * @param kib the amount in kibibytes
   * @return the size
   * @throws IllegalArgumentException if negative or too large for a long of bytes
   */
  public static MemorySize ofKibibytes(long kib) {
    return ofBytes(multiply(kib, KIB, "KiB"));
  }

  /**
   * An amount given in mebibytes (1,048,576 bytes each).
   *
   * @param mib the amount in mebibytes
   * @return the size
   * @throws IllegalArgumentException if negative or too large for a long of bytes
   */
  public static MemorySize ofMebibytes(long mib) {
    return ofBytes(multiply(mib, MIB, "MiB"));
  }

  /**
   * An amount given in gibibytes (1,073,741,824 bytes each).
   *
   * @param gib the amount in gibibytes
   * @return the size
   * @throws IllegalArgumentException if negative or too large for a long of bytes
   */
  public static MemorySize ofGibibytes(long gib) {
    return ofBytes(multiply(gib, GIB, "GiB"));
  }

  /**
   * The size a text names: a number, then a unit, with or without a space between: {@code 512MiB},
   * {@code 512 MB}, {@code 2g}, {@code 1.5 GiB}, {@code 4096} (bytes). Units, in any case: {@code
   * B}; {@code K}, {@code KB}, {@code KiB}; {@code M}, {@code MB}, {@code MiB}; {@code G}, {@code
   * GB}, {@code GiB}; {@code T}, {@code TB}, {@code TiB}. All are binary, as the JVM's and Spring
   * Boot's: {@code 1KB} is 1,024 bytes. A fraction is allowed and rounded to the nearest byte, so
   * {@link #toString()}'s text reads back to within its rounding.
   *
   * @param text the text
   * @return the size
   * @throws IllegalArgumentException naming the text and what is allowed, if it is not a size or
   *     does not fit in a long of bytes
   */
  public static MemorySize parse(String text) {
    Objects.requireNonNull(text, "text");
    Matcher m = TEXT.matcher(text);
    Long unit = m.matches() ? UNITS.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
    if (unit == null) {
      throw new IllegalArgumentException(
          "a memory size must be a number and a unit of B, K/KB/KiB, M/MB/MiB, G/GB/GiB or"
              + " T/TB/TiB (binary, as the JVM's: 1KB is 1024 bytes), such as 512MiB or 2g,"
              + " but was '"
              + text
              + "'");
    }
    BigDecimal bytes =
        new BigDecimal(m.group(1))
            .multiply(BigDecimal.valueOf(unit))
            .setScale(0, RoundingMode.HALF_UP);
    if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException(
          "a memory size must fit in a long of bytes, but was '" + text + "'");
    }
    return ofBytes(bytes.longValueExact());
  }

  private static long multiply(long amount, long unit, String unitName) {
    if (amount < 0) {
      throw new IllegalArgumentException(
          "memory size must be >= 0 " + unitName + ", but was " + amount);
    }
    try {
      return Math.multiplyExact(amount, unit);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "memory size must fit in a long of bytes, but was " + amount + " " + unitName, e);
    }
  }

  /**
   * The amount in bytes.
   *
   * @return the bytes, never negative
   */
  public long toBytes() {
    return bytes;
  }

  /**
   * The amount in whole mebibytes, rounded down.
   *
   * @return the mebibytes, never negative
   */
  public long toMebibytes() {
    return bytes / MIB;
  }

  @Override
  public int compareTo(MemorySize other) {
    return Long.compare(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MemorySize other && other.bytes == bytes;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(bytes);
  }

  @Override
  public String toString() {
    if (bytes >= GIB) {
      return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB);
    }
    if (bytes >= MIB) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }
    if (bytes >= KIB) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / (double) KIB);
    }
    return bytes + " B";
  }
}
