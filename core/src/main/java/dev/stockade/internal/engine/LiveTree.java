package dev.stockade.internal.engine;

import dev.stockade.EndReason;
import dev.stockade.WorkerState;
import dev.stockade.internal.os.ProcessInfo;
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

  /** How often the tree is sampled; housekeeper thread only. */
  private final SampleCadence cadence = new SampleCadence();

  /** CPU time at the last sample, to tell a quiet tree; housekeeper thread only. */
  private long cpuAtLastSample = -1;

  /**
   * Whether the pool judged, when this tick's sample was found due, that it needs fresh figures of
   * the tree; housekeeper thread only.
   */
  private boolean freshFiguresNeeded;

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
   * Whether this tick samples the tree: at every tick until it is quiet, then less often ({@link
   * SampleCadence}), unless its pool {@linkplain #needsEverySample needs every sample}. Under
   * cgroups a quiet tree's sample reads the kernel's counters instead of its processes while they
   * show no task came or went ({@link SupervisedTree#sampleFromKernel()}). Housekeeper thread only.
   */
  boolean isDueForSample(long nowNanos) {
    freshFiguresNeeded = needsEverySample(nowNanos);
    return cadence.isDue(freshFiguresNeeded);
  }

  /**
   * Whether its pool judges the tree at {@code nowNanos} from figures that must be fresh (a worker
   * that has been silent a while is judged busy or hung by its CPU use): then every tick samples
   * it.
   */
  protected boolean needsEverySample(long nowNanos) {
    return false;
  }

  /**
   * Notes whether the reading, within the limits, shows a quiet tree. A reading from the kernel's
   * counters alone ({@code fromKernel}) has no CPU time: the tree stays quiet while its tasks and
   * memory do.
   */
  private void noteQuiet(
      TreeMeter.Reading reading, TreeMeter.Reading previous, int maxProcesses, boolean fromKernel) {
    long cpu = tree.cpuUsedNanos();
    boolean still =
        previous != null
            && cpuAtLastSample >= 0
            && (fromKernel || cpu - cpuAtLastSample <= ProcessInfo.NANOS_PER_TICK)
            && reading.processCount() == previous.processCount();
    cpuAtLastSample = cpu;
    cadence.noteSample(
        still, reading.bytes(), memoryLimitBytes(), reading.processCount(), maxProcesses);
  }

  /**
   * Measures the tree in {@code table} and checks it against its limits, the kernel's verdict
   * first: the reason to end it now, or empty while it is within them.
   */
  Optional<EndReason> limitCrossed(ProcessTable table, int maxProcesses) {
    // A quiet tree is read from the kernel's counters where it has them (cgroups), for as long as
    // they show that no task came or went; its processes only when they cannot.
    Optional<TreeMeter.Reading> fromKernel =
        cadence.isQuiet() && !freshFiguresNeeded ? tree.sampleFromKernel() : Optional.empty();
    TreeMeter.Reading reading =
        fromKernel.isPresent() ? fromKernel.get() : tree.sample(table, memoryLimitBytes());
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
    noteQuiet(reading, lastReading, maxProcesses, fromKernel.isPresent());
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
