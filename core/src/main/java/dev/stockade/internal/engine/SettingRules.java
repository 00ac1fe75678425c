package dev.stockade.internal.engine;

import dev.stockade.CgroupMode;
import dev.stockade.MemorySize;
import dev.stockade.internal.cgroup.MemoryReading;
import dev.stockade.internal.cgroup.OwnCgroupMemory;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks every pool builder applies: each setting set at most once, and a failed range check
 * reported as {@code "<setting> must be <constraint>, but was <value>"}.
 */
public final class SettingRules {
  /** What a pool name may be: it appears in thread names, paths and tags. */
  /** Default of {@code maxProcesses}: far above a browser's tree, far below a fork loop's. */
  public static final int DEFAULT_MAX_PROCESSES = 1024;

  /** The kernel's highest {@code pid_max}: no tree can hold more. */
  public static final int MAX_PROCESSES_CEILING = 4_194_304;

  /** The system property that sets the default of {@code cgroupMode}. */
  public static final String CGROUP_MODE_PROPERTY = "stockade.cgroupMode";

  /**
   * The default of {@code cgroupMode}: the system property {@value #CGROUP_MODE_PROPERTY}, else
   * {@code AUTO}.
   *
   * @throws IllegalArgumentException naming the property when it holds no mode
   */
  public static CgroupMode defaultCgroupMode() {
    String value = System.getProperty(CGROUP_MODE_PROPERTY);
    if (value == null || value.isBlank()) {
      return CgroupMode.AUTO;
    }
    try {
      return CgroupMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "system property "
              + CGROUP_MODE_PROPERTY
              + " must be one of "
              + Arrays.toString(CgroupMode.values())
              + ", but was "
              + value,
          e);
    }
  }

  /**
   * {@code minFreeMemory}, checked against the memory this JVM may use: at or above it, no tree
   * could ever start.
   *
   * @throws IllegalArgumentException naming the setting, the value and the limit
   */
  public static MemorySize requireBelowBudget(MemorySize minFreeMemory) {
    if (minFreeMemory.toBytes() == 0) {
      return minFreeMemory;
    }
    MemoryReading budget = OwnCgroupMemory.resolve().read();
    require(
        minFreeMemory.toBytes() < budget.limitBytes(),
        "minFreeMemory",
        "below the memory this JVM may use ("
            + MemorySize.ofBytes(budget.limitBytes())
            + ", "
            + budget.source()
            + ")",
        minFreeMemory);
    return minFreeMemory;
  }

  public static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,39}");
  public static final String POOL_NAME_RULE =
      "1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit";

  private final Set<String> set = new HashSet<>();

  /** Records that {@code setting} is being set; throws if it was set before. */
  public void once(String setting, Object currentValue) {
    if (!set.add(setting)) {
      throw new IllegalStateException(setting + " was already set to " + currentValue);
    }
  }

  public boolean wasSet(String setting) {
    return set.contains(setting);
  }

  /**
   * The longest duration any setting may take. Deadlines are kept in nanoseconds of {@link
   * System#nanoTime}, which a duration of about 292 years would overflow; a year is far beyond any
   * deadline that means something and leaves the arithmetic room to spare. A caller who wants "no
   * deadline" in practice passes this.
   */
  public static final Duration LONGEST_DURATION = Duration.ofDays(365);

  /** Throws {@link IllegalArgumentException} naming the setting, the rule and the value. */
  public static void require(boolean ok, String setting, String constraint, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(
          setting
              + " must be "
              + constraint
              + ", but was "
              + (value instanceof Duration d ? shown(d) : value));
    }
  }

  /**
   * Requires {@code value} to be at most {@link #LONGEST_DURATION}, checked before any other rule
   * computes with it.
   */
  public static void requireAtMostLongest(Duration value, String setting) {
    require(
        value.compareTo(LONGEST_DURATION) <= 0,
        setting,
        "at most " + describe(LONGEST_DURATION),
        value);
  }

  /**
   * A duration as a message shows it: in milliseconds, or in seconds where milliseconds would not
   * fit in a {@code long} (the value being refused may be {@code Long.MAX_VALUE} seconds), or in
   * microseconds or nanoseconds where it is not a whole number of milliseconds (a refused 1.5 ms
   * must not read as the allowed 1 ms).
   */
  public static String shown(Duration d) {
    if (d.toSeconds() > Long.MAX_VALUE / 1000 - 1 || d.toSeconds() < Long.MIN_VALUE / 1000 + 1) {
      return d.toSeconds() + " s";
    }
    if (d.getNano() % 1_000_000 != 0 && Math.abs(d.getSeconds()) < 1_000_000) {
      long nanos = d.toNanos();
      return nanos % 1000 == 0 ? nanos / 1000 + " µs" : nanos + " ns";
    }
    return d.toMillis() + " ms";
  }

  /** Requires {@code value} to lie within {@code [min, max]}. */
  public static void requireBetween(Duration value, Duration min, Duration max, String setting) {
    require(
        value.compareTo(min) >= 0 && value.compareTo(max) <= 0,
        setting,
        "between " + describe(min) + " and " + describe(max),
        value);
  }

  private static String describe(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    if (d.toMillis() % 86_400_000 == 0) {
      return d.toDays() + (d.toDays() == 1 ? " day" : " days");
    }
    if (d.toMillis() % 60_000 == 0) {
      return d.toMinutes() + (d.toMinutes() == 1 ? " minute" : " minutes");
    }
    if (d.toMillis() % 1000 == 0) {
      return d.toSeconds() + " s";
    }
    if (d.toNanos() % 1_000_000 != 0) {
      return shown(d);
    }
    return d.toMillis() + " ms";
  }
}
