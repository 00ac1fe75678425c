package dev.stockade.internal.engine;

import dev.stockade.EndReason;
import dev.stockade.MemoryLimitExceededException;
import dev.stockade.MemorySize;
import dev.stockade.PoolClosedException;
import dev.stockade.ProcessLimitExceededException;
import dev.stockade.TaskTimeoutException;
import dev.stockade.WorkerDetails;
import dev.stockade.internal.cgroup.CgroupContainmentStrategy;
import dev.stockade.internal.os.TreeMeter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/**
 * The failure a caller's future gets when Stockade ended the tree under its task, for the endings
 * both pools share: the deadline, the memory and process limits, the pool's close and the caller's
 * cancel. Each names its cause in its type and says how much in its message.
 */
public final class EndFailures {
  private EndFailures() {}

  /**
   * What a failure says of the task and of its tree's end.
   *
   * @param poolName the pool's name
   * @param label the task's label
   * @param timeout the task's deadline
   * @param ran how long the task had run when its end was claimed
   * @param memoryLimit the tree's memory limit
   * @param maxProcesses the tree's process limit
   * @param breach the reading that crossed a limit, or null
   * @param details the tree's details at its end
   * @param closedBy how the pool's close reads ({@link Drain#closedBy()})
   */
  public record Facts(
      String poolName,
      String label,
      Duration timeout,
      Duration ran,
      MemorySize memoryLimit,
      int maxProcesses,
      TreeMeter.Reading breach,
      WorkerDetails details,
      String closedBy) {

    /** What a failure of a task of {@code pool} that ran in {@code tree} says of it. */
    public static Facts of(
        PoolEngine<?, ?> pool,
        LiveTree tree,
        String label,
        Duration timeout,
        Duration ran,
        WorkerDetails details) {
      return new Facts(
          pool.name(),
          label,
          timeout,
          ran,
          MemorySize.ofBytes(tree.memoryLimitBytes()),
          pool.common.maxProcesses(),
          tree.breach(),
          details,
          pool.drain.closedBy());
    }
  }

  /** The failure for {@code reason}, or empty for an ending only one pool knows. */
  public static Optional<RuntimeException> of(EndReason reason, Facts facts) {
    String label = facts.label();
    return Optional.ofNullable(
        switch (reason) {
          case TIMEOUT ->
              new TaskTimeoutException(label, facts.timeout(), facts.ran(), facts.details());
          case MEMORY_LIMIT ->
              new MemoryLimitExceededException(
                  label,
                  facts.memoryLimit(),
                  MemorySize.ofBytes(facts.breach().bytes()),
                  facts.breach().metric(),
                  facts.details());
          case PROCESS_LIMIT ->
              processLimit(label, facts.maxProcesses(), facts.breach(), facts.details());
          case POOL_CLOSED ->
              new PoolClosedException(
                  "pool '"
                      + facts.poolName()
                      + "' "
                      + facts.closedBy()
                      + " while task '"
                      + label
                      + "' ran; its process tree (pid "
                      + facts.details().pid()
                      + ") was ended");
          case CANCELLED -> new CancellationException("task '" + label + "' was cancelled");
          default -> null;
        });
  }

  /**
   * The exception for a tree past its process limit, judged on {@code breach}: the count past the
   * limit, or the kernel's refusal of a fork when the reading says so.
   */
  public static ProcessLimitExceededException processLimit(
      String taskLabel, int maxProcesses, TreeMeter.Reading breach, WorkerDetails details) {
    return breach.forkRefused()
        ? ProcessLimitExceededException.forkRefusedByKernel(
            taskLabel, maxProcesses, CgroupContainmentStrategy.pidsMax(maxProcesses), details)
        : new ProcessLimitExceededException(
            taskLabel, maxProcesses, breach.processCount(), details);
  }
}
