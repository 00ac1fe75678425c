package dev.stockade.internal.engine;

/**
 * How often the housekeeper samples one tree, from what its last samples found. A tree is sampled
 * at every tick until {@link #QUIET_SAMPLES} samples in a row find it quiet — at most one clock
 * tick of CPU since the sample before, the same number of processes, under half its memory and
 * process limits. A quiet tree is sampled every {@link #QUIET_STRIDE}th tick; a quiet tree far
 * below its limits (under an eighth of each) every {@link #FAR_BELOW_STRIDE}th, since it has that
 * much further to grow before a limit is near. The first sample that finds it otherwise brings it
 * back to every tick, and so does the pool whenever it needs fresh figures of the tree.
 *
 * <p>Idle trees are most of a large pool and their sampling most of its cost; the price is that a
 * tree that wakes and grows is caught up to {@code stride - 1} ticks late. Under cgroups the kernel
 * enforces the limits meanwhile. Housekeeper thread only.
 */
final class SampleCadence {
  /** Samples in a row that must find a tree quiet before it is sampled less often. */
  static final int QUIET_SAMPLES = 2;

  /** A quiet tree is sampled once in this many ticks. */
  static final int QUIET_STRIDE = 4;

  /** A quiet tree under an eighth of its limits is sampled once in this many ticks. */
  static final int FAR_BELOW_STRIDE = 8;

  /** The share of a limit under which a quiet tree counts as far below it. */
  private static final int FAR_BELOW_DIVISOR = 8;

  private int quietSamples;
  private boolean farBelow;
  private int ticksPassedOver;

  /**
   * Whether this tick samples the tree; {@code freshFiguresNeeded} when the pool needs them now.
   */
  boolean isDue(boolean freshFiguresNeeded) {
    int stride = farBelow ? FAR_BELOW_STRIDE : QUIET_STRIDE;
    if (!isQuiet() || ++ticksPassedOver >= stride || freshFiguresNeeded) {
      ticksPassedOver = 0;
      return true;
    }
    return false;
  }

  /** The last {@link #QUIET_SAMPLES} samples found the tree quiet. */
  boolean isQuiet() {
    return quietSamples >= QUIET_SAMPLES;
  }

  /**
   * Notes what a sample within the limits found.
   *
   * @param still no more than a clock tick of CPU since the sample before, and the same number of
   *     processes
   * @param bytes the tree's memory now
   * @param processes the tree's processes now
   */
  void noteSample(
      boolean still, long bytes, long memoryLimitBytes, int processes, int maxProcesses) {
    boolean quiet = still && bytes < memoryLimitBytes / 2 && processes <= maxProcesses / 2;
    quietSamples = quiet ? quietSamples + 1 : 0;
    farBelow =
        quiet
            && bytes < memoryLimitBytes / FAR_BELOW_DIVISOR
            && processes <= maxProcesses / FAR_BELOW_DIVISOR;
  }
}
