package dev.stockade;

/**
 * The task's whole process tree used more memory than its hard limit; Stockade ended the tree at
 * once. {@link #observed()} is the figure that crossed the limit and {@link #metric()} says how it
 * was measured. In a cgroup ({@link MemoryMetric#CGROUP}) the kernel enforces the limit itself: the
 * tree cannot exceed it, its OOM killer ends a process instead, and {@link #observed()} is the
 * cgroup's peak.
 */
public final class MemoryLimitExceededException extends WorkerFailureException {
  /** The hard limit the tree crossed. */
  private final MemorySize limit;

  /** The figure that crossed the limit. */
  private final MemorySize observed;

  /** How {@link #observed} was measured. */
  private final MemoryMetric metric;

  /**
   * An exception for a task whose tree (its command's, or its worker's) crossed its memory limit.
   *
   * @param taskLabel the task's label
   * @param limit the hard limit
   * @param observed the figure that crossed it
   * @param metric how {@code observed} was measured
   * @param details the tree as it ended
   */
  public MemoryLimitExceededException(
      String taskLabel,
      MemorySize limit,
      MemorySize observed,
      MemoryMetric metric,
      WorkerDetails details) {
    super(
        metric == MemoryMetric.CGROUP
            ? "task '"
                + taskLabel
                + "' reached the memory limit of "
                + limit
                + " over its whole"
                + " process tree (peak "
                + observed
                + " in its cgroup), and the kernel's OOM killer"
                + " ended a process of it; its process tree was ended"
            : "task '"
                + taskLabel
                + "' used "
                + observed
                + " ("
                + metric
                + ") over its whole process tree, past its memory limit of "
                + limit
                + "; its process tree was ended",
        details);
    this.limit = limit;
    this.observed = observed;
    this.metric = metric;
  }

  /**
   * The hard limit the tree crossed.
   *
   * @return the limit
   */
  public MemorySize limit() {
    return limit;
  }

  /**
   * The figure that crossed the limit; in a cgroup, the cgroup's peak.
   *
   * @return the observed memory
   */
  public MemorySize observed() {
    return observed;
  }

  /**
   * How {@link #observed()} was measured.
   *
   * @return the metric
   */
  public MemoryMetric metric() {
    return metric;
  }
}
