package dev.stockade.internal.engine;

import dev.stockade.ProcessLimitExceededException;
import dev.stockade.WorkerDetails;
import dev.stockade.internal.cgroup.CgroupContainmentStrategy;
import dev.stockade.internal.os.TreeMeter;

/** The exception a task fails with when its tree crossed its process limit. */
public final class ProcessLimitFailure {
  private ProcessLimitFailure() {}

  /**
   * The exception for {@code breach}, the reading the limit was judged on: the count past the
   * limit, or the kernel's refusal of a fork when the reading says so.
   */
  public static ProcessLimitExceededException of(String taskLabel, int maxProcesses,
      TreeMeter.Reading breach, WorkerDetails details) {
    return breach.forkRefused()
        ? ProcessLimitExceededException.forkRefusedByKernel(taskLabel, maxProcesses,
            CgroupContainmentStrategy.pidsMax(maxProcesses), details)
        : new ProcessLimitExceededException(taskLabel, maxProcesses, breach.processCount(),
            details);
  }
}
