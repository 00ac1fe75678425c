package dev.stockade;

import java.util.OptionalInt;

/**
 * The task's process tree held more live processes than its limit ({@code maxProcesses}) — a fork
 * loop, or a program that starts children without bound; Stockade ended the tree at once. Either
 * the pool counted more processes than the limit ({@link #observed()} is that count), or the kernel
 * refused a fork first ({@link #refusedByKernel()}): in a cgroup the tree's tasks (processes and
 * their threads) are also capped by {@code pids.max}, at a multiple of {@code maxProcesses} that
 * leaves room for each process's threads, so a fork loop stops between two samples.
 */
public final class ProcessLimitExceededException extends WorkerFailureException {
  /** The process limit ({@code maxProcesses}) the tree crossed. */
  private final int limit;

  /** The process count that crossed the limit; 0 when the kernel refused a fork first. */
  private final int observed;

  /** The kernel's {@code pids.max} refused a fork before a count crossed the limit. */
  private final boolean refusedByKernel;

  /**
   * The pool counted {@code observed} live processes in the task's tree, more than {@code limit}.
   *
   * @param taskLabel the task's label
   * @param limit the tree's {@code maxProcesses}
   * @param observed the process count that crossed it
   * @param details the tree as it ended
   */
  public ProcessLimitExceededException(
      String taskLabel, int limit, int observed, WorkerDetails details) {
    this(
        "task '"
            + taskLabel
            + "' ran "
            + observed
            + " processes in its tree, past its limit"
            + " of "
            + limit
            + " (maxProcesses); its process tree was ended",
        limit,
        observed,
        false,
        details);
  }

  private ProcessLimitExceededException(
      String message, int limit, int observed, boolean refusedByKernel, WorkerDetails details) {
    super(message, details);
    this.limit = limit;
    this.observed = observed;
    this.refusedByKernel = refusedByKernel;
  }

  /**
   * The kernel refused a fork of the task's tree at its cgroup's {@code pids.max}, which was {@code
   * kernelTaskLimit} processes and threads for a {@code limit} of processes.
   *
   * @param taskLabel the task's label
   * @param limit the tree's {@code maxProcesses}
   * @param kernelTaskLimit the cgroup's {@code pids.max}
   * @param details the tree as it ended
   * @return the exception, with an empty {@link #observed()}
   */
  public static ProcessLimitExceededException forkRefusedByKernel(
      String taskLabel, int limit, long kernelTaskLimit, WorkerDetails details) {
    return new ProcessLimitExceededException(
        "task '"
            + taskLabel
            + "' reached the task limit"
            + " of its cgroup (pids.max = "
            + kernelTaskLimit
            + " processes and threads, for"
            + " maxProcesses "
            + limit
            + ") and the kernel refused a fork; its process tree was"
            + " ended",
        limit,
        0,
        true,
        details);
  }

  /**
   * The tree's limit of live processes ({@code maxProcesses}).
   *
   * @return the limit
   */
  public int limit() {
    return limit;
  }

  /**
   * The live processes the pool counted past the limit; empty when the kernel refused a fork before
   * a count crossed it ({@link #refusedByKernel()}).
   *
   * @return the count past the limit, or empty
   */
  public OptionalInt observed() {
    return refusedByKernel ? OptionalInt.empty() : OptionalInt.of(observed);
  }

  /**
   * Whether the kernel's {@code pids.max} refused a fork of the tree, ending it.
   *
   * @return true when the kernel refused a fork first
   */
  public boolean refusedByKernel() {
    return refusedByKernel;
  }
}
