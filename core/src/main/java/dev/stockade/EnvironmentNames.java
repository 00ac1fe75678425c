package dev.stockade;

/** Environment variables that Stockade sets in every process it starts. */
public final class EnvironmentNames {
  /**
   * Identifies the pool and worker a process belongs to, as {@code <pool id>/<worker id>}. It is
   * inherited by every descendant and read back from {@code /proc/PID/environ} to find processes
   * that left the tree.
   */
  public static final String TAG = "STOCKADE_TAG";

  private EnvironmentNames() {}
}
