package dev.stockade;

/**
 * How the housekeeper measures a tree's memory against its limit. The default, {@link
 * #RSS_SCREENED_PSS}, is as accurate as {@link #PSS} and nearly as cheap as {@link #RSS}.
 */
public enum MemoryAccounting {
  /**
   * Summed RSS decides. Cheapest, but kills trees that share pages early: summed RSS overstates a
   * headless Chrome tree about 2.5 times and a tree of small processes sharing libc far more.
   */
  RSS,
  /** Summed PSS on every sample. Exact, and the dearest. */
  PSS,
  /**
   * Summed RSS on every sample; PSS read again only when the RSS sum reaches the limit, the process
   * count changes, or the RSS sum drifts by more than 1/16 since the last PSS reading. Since a
   * process's PSS never exceeds its RSS, a tree under its limit by RSS is under it by PSS: no tree
   * is ever ended on the RSS figure alone, and every figure reported is PSS. A steady tree costs
   * one stat read per process per sample. The default.
   */
  RSS_SCREENED_PSS
}
