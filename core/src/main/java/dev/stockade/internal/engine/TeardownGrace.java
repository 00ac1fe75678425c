package dev.stockade.internal.engine;

import dev.stockade.EndReason;

/** Which endings skip the termination grace. */
public final class TeardownGrace {
  private TeardownGrace() {}

  /**
   * True for the endings where the tree is killed without the termination grace: a tree past
   * its memory or process limit must not grow further while it is asked to stop.
   */
  public static boolean skippedFor(EndReason reason) {
    return reason == EndReason.MEMORY_LIMIT || reason == EndReason.PROCESS_LIMIT;
  }
}
