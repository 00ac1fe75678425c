package dev.stockade;

import java.util.Objects;
import java.util.Optional;

/**
 * The facts about a worker's process tree at the moment Stockade ended it or saw it end: who
 * it was, how large it grew and what it last wrote to stderr.
 */
public final class WorkerDetails {
  private final String poolName;
  private final String workerId;
  private final String label;
  private final long pid;
  private final int peakProcessCount;
  private final MemorySize peakMemory;
  private final MemoryMetric peakMetric;
  private final ExitStatus exitStatus;
  private final String stderrTail;

  /**
   * @param exitStatus how the tree's root process ended, or null when it had not ended by
   *     itself
   */
  public WorkerDetails(
      String poolName,
      String workerId,
      String label,
      long pid,
      int peakProcessCount,
      MemorySize peakMemory,
      MemoryMetric peakMetric,
      ExitStatus exitStatus,
      String stderrTail) {
    this.poolName = Objects.requireNonNull(poolName, "poolName");
    this.workerId = Objects.requireNonNull(workerId, "workerId");
    this.label = Objects.requireNonNull(label, "label");
    this.pid = pid;
    this.peakProcessCount = peakProcessCount;
    this.peakMemory = Objects.requireNonNull(peakMemory, "peakMemory");
    this.peakMetric = Objects.requireNonNull(peakMetric, "peakMetric");
    this.exitStatus = exitStatus;
    this.stderrTail = Objects.requireNonNull(stderrTail, "stderrTail");
  }

  public String poolName() {
    return poolName;
  }

  public String workerId() {
    return workerId;
  }

  /** The command's label, or the worker's name for persistent workers. */
  public String label() {
    return label;
  }

  /** The pid of the tree's root process. */
  public long pid() {
    return pid;
  }

  /** The most processes the tree had at one sample. */
  public int peakProcessCount() {
    return peakProcessCount;
  }

  /** The largest memory figure sampled for the whole tree. */
  public MemorySize peakMemory() {
    return peakMemory;
  }

  /** Which measurement produced {@link #peakMemory()}. */
  public MemoryMetric peakMetric() {
    return peakMetric;
  }

  /** How the root process ended, when it ended by itself. */
  public Optional<ExitStatus> exitStatus() {
    return Optional.ofNullable(exitStatus);
  }

  /** The last lines the tree wrote to stderr (may be empty). */
  public String stderrTail() {
    return stderrTail;
  }

  @Override
  public String toString() {
    return "pool=" + poolName + ", worker=" + workerId + " (" + label + "), pid=" + pid
        + ", peak " + peakProcessCount + " processes and " + peakMemory + " " + peakMetric
        + (exitStatus == null ? "" : ", " + exitStatus);
  }
}
