package dev.stockade;

/**
 * The task's process tree held more live processes than its limit ({@code maxProcesses}) — a
 * fork loop, or a program that starts children without bound; Stockade ended the tree at once.
 * {@link #observed()} is the count that crossed the limit, or, where the kernel enforced the
 * limit itself (a cgroup's {@code pids.max}) and refused a fork, the limit.
 */
public final class ProcessLimitExceededException extends WorkerFailureException {
  private final int limit;
  private final int observed;

  public ProcessLimitExceededException(String taskLabel, int limit, int observed,
      WorkerDetails details) {
    super("task '" + taskLabel + "' ran " + observed + " processes in its tree, past its limit"
        + " of " + limit + " (maxProcesses); its process tree was ended", details);
    this.limit = limit;
    this.observed = observed;
  }

  public int limit() {
    return limit;
  }

  public int observed() {
    return observed;
  }
}
