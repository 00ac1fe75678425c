package dev.stockade;

/**
 * How the housekeeper measures a tree's memory against its limit. The default,
 * {@link #RSS_SCREENED_PSS}, is as accurate as {@link #PSS} and nearly as cheap as
 * {@link #RSS}.
 */
public enum MemoryAccounting {
  /**
   * Summed RSS decides. Cheapest, but kills trees that share pages early: summed RSS overstates
   * a headless Chrome tree about 2.5 times and a tree of small processes sharing libc far more.
   */
  RSS,
  /** Summed PSS on every sample. Exact, and the dearest. */
  PSS,
  /**
   * Summed RSS on every sample; PSS only for a tree whose RSS sum has reached its limit. Since
   * a process's PSS never exceeds its RSS, a tree under its limit by RSS is under it by PSS, so
   * no tree is ever ended on the RSS figure alone. The default.
   */
  RSS_SCREENED_PSS
}
