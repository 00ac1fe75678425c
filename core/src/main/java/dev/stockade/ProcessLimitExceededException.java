package dev.stockade;

/**
 * The task's process tree held more live processes than its limit ({@code maxProcesses}) — a
 * fork loop, or a program that starts children without bound; Stockade ended the tree at once.
 * {@link #observed()} is the count of processes that crossed the limit, or
 * {@link #REFUSED_BY_KERNEL} when the kernel refused a fork first: in a cgroup the tree's tasks
 * (processes and their threads) are also capped by {@code pids.max}, at
 * {@value #TASKS_PER_PROCESS} times {@code maxProcesses}, so a fork loop stops between two
 * samples.
 */
public final class ProcessLimitExceededException extends WorkerFailureException {
  /** {@link #observed()} when the kernel's {@code pids.max} refused a fork. */
  public static final int REFUSED_BY_KERNEL = -1;
  /** Tasks (processes and threads) a cgroup allows per process of {@code maxProcesses}. */
  public static final int TASKS_PER_PROCESS = 32;

  /** The process limit ({@code maxProcesses}) the tree crossed. */
  private final int limit;
  /** The process count that crossed the limit, or {@link #REFUSED_BY_KERNEL}. */
  private final int observed;

  /**
   * An exception for a tree ended for holding too many processes.
   *
   * @param taskLabel the task's label
   * @param limit the tree's {@code maxProcesses}
   * @param observed the process count that crossed it, or {@link #REFUSED_BY_KERNEL} when the
   *     kernel refused a fork first
   * @param details the tree as it ended
   */
  public ProcessLimitExceededException(String taskLabel, int limit, int observed,
      WorkerDetails details) {
    super(observed == REFUSED_BY_KERNEL
        ? "task '" + taskLabel + "' reached the task limit of its cgroup (pids.max = "
            + (long) limit * TASKS_PER_PROCESS + " processes and threads, for maxProcesses "
            + limit + ") and the kernel refused a fork; its process tree was ended"
        : "task '" + taskLabel + "' ran " + observed + " processes in its tree, past its limit"
            + " of " + limit + " (maxProcesses); its process tree was ended", details);
    this.limit = limit;
    this.observed = observed;
  }

  /**
   * The tree's process limit, {@code maxProcesses}.
   *
   * @return the limit
   */
  public int limit() {
    return limit;
  }

  /**
   * How many processes the tree held when it crossed the limit.
   *
   * @return the count, or {@link #REFUSED_BY_KERNEL} when the kernel refused a fork first
   */
  public int observed() {
    return observed;
  }
}
