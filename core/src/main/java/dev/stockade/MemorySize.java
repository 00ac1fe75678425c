package dev.stockade;

import java.util.Locale;

/**
 * An amount of memory in bytes, never negative.
 *
 * <p>Binary units throughout: one mebibyte is 1,048,576 bytes. {@link #toString()} prints the
 * largest unit that keeps at least one whole unit, for instance {@code 512.0 MiB}.
 */
public final class MemorySize implements Comparable<MemorySize> {
  private static final long KIB = 1024L;
  private static final long MIB = KIB * 1024;
  private static final long GIB = MIB * 1024;

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
