package dev.stockade.testing;

import java.time.Duration;

/**
 * How many times slower than real hardware the machine running the tests is: 1 everywhere but in an
 * emulated machine, where the run sets the system property {@value #PROPERTY} (the cgroup v2 VM of
 * {@code .ci/run} does). Tests give their bounds this slack, and only this: a bound is written for
 * real hardware and multiplied here, so the host's bounds never loosen.
 */
public final class Slowdown {
  /** The system property that names the factor, a whole number of at least 1. */
  public static final String PROPERTY = "stockade.test.slowdown";

  private Slowdown() {}

  /** The factor; 1 when {@value #PROPERTY} is not set. */
  public static int factor() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isBlank()) {
      return 1;
    }
    try {
      int factor = Integer.parseInt(value.trim());
      if (factor >= 1) {
        return factor;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "system property " + PROPERTY + " must be a whole number of at least 1, but was " + value);
  }

  /** {@code bound} with this machine's slack. */
  public static Duration scaled(Duration bound) {
    return bound.multipliedBy(factor());
  }

  /** {@code seconds} with this machine's slack, in seconds. */
  public static long scaledSeconds(long seconds) {
    return seconds * factor();
  }

  /** The JVM option that hands the factor on to a JVM a test starts. */
  public static String jvmOption() {
    return "-D" + PROPERTY + "=" + factor();
  }
}
