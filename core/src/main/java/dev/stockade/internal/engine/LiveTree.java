package dev.stockade.internal.engine;

import dev.stockade.EndReason;
import dev.stockade.WorkerState;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TreeMeter;
import java.util.Optional;

/**
 * A tree the engine supervises (a command's, or a worker's): the tree, and the reading that crossed
 * a limit when that is why it is ended. Knows the limits every tree is held to on each tick, and
 * why a tree that exited really ended.
 */
public abstract class LiveTree {
  /** The supervised process tree. */
  public final SupervisedTree tree;

  /** The reading that crossed a limit, when that is why the tree is ended. */
  private volatile TreeMeter.Reading breach;

  /** The last reading within the limits. */
  private volatile TreeMeter.Reading lastReading;

  protected LiveTree(SupervisedTree tree) {
    this.tree = tree;
  }

  /** The memory limit this tree is held to, in bytes. */
  protected abstract long memoryLimitBytes();

  /** The reading that crossed a limit, when that is why the tree is ended; else null. */
  public TreeMeter.Reading breach() {
    return breach;
  }

  /** Its end is claimed, or it is gone: no tick looks at it any more. */
  public boolean isEnding() {
    WorkerState state = tree.lifecycle().state();
    return state == WorkerState.STOPPING || state == WorkerState.DEAD;
  }

  /**
   * Measures the tree in {@code table} and checks it against its limits, the kernel's verdict
   * first: the reason to end it now, or empty while it is within them.
   */
  Optional<EndReason> limitCrossed(ProcessTable table, int maxProcesses) {
    TreeMeter.Reading reading = tree.sample(table, memoryLimitBytes());
    Optional<SupervisedTree.KernelBreach> kernel = tree.kernelBreach();
    if (kernel.isPresent()) {
      breach = kernel.get().reading();
      return Optional.of(kernel.get().reason());
    }
    if (reading.bytes() > memoryLimitBytes()) {
      breach = reading;
      return Optional.of(EndReason.MEMORY_LIMIT);
    }
    if (reading.processCount() > maxProcesses) {
      breach = reading;
      return Optional.of(EndReason.PROCESS_LIMIT);
    }
    lastReading = reading;
    return Optional.empty();
  }

  /** The last reading that was within the limits, or null before the first tick. */
  public TreeMeter.Reading lastReading() {
    return lastReading;
  }

  /**
   * Why the tree ended, when {@code given} is what the engine saw: a root the kernel killed at the
   * tree's memory limit died of that limit, not by itself.
   */
  EndReason explain(EndReason given) {
    if (given != EndReason.EXITED) {
      return given;
    }
    Optional<SupervisedTree.KernelBreach> kernel = tree.kernelBreach();
    if (kernel.isEmpty()) {
      return given;
    }
    breach = kernel.get().reading();
    return kernel.get().reason();
  }

  /** Records the breach in the tree's details, for the failure and the event that report it. */
  void recordBreach() {
    if (breach != null) {
      tree.recordBreach(breach);
    }
  }
}
