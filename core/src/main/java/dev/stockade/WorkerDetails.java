package dev.stockade;

import java.util.Objects;
import java.util.Optional;

/**
 * The facts about a worker's process tree at the moment Stockade ended it or saw it end: who it
 * was, how large it grew and what it last wrote to stderr.
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
   * The facts about one tree, as the pool gathers them at its end.
   *
   * @param poolName the pool's name
   * @param workerId the worker's id within the pool
   * @param label the command's label, or the worker's name for persistent workers
   * @param pid the pid of the tree's root process
   * @param peakProcessCount the most processes the tree had at one sample
   * @param peakMemory the largest memory figure sampled for the whole tree
   * @param peakMetric how {@code peakMemory} was measured
   * @param exitStatus how the tree's root process ended, or null when it had not ended by itself
   * @param stderrTail the last lines the tree wrote to stderr; may be empty, not null
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

  /**
   * The pool the worker belonged to.
   *
   * @return the pool's name
   */
  public String poolName() {
    return poolName;
  }

  /**
   * The worker's id, unique within its pool.
   *
   * @return the id
   */
  public String workerId() {
    return workerId;
  }

  /**
   * The command's label, or the worker's name for persistent workers.
   *
   * @return the label
   */
  public String label() {
    return label;
  }

  /**
   * The pid of the tree's root process.
   *
   * @return the pid
   */
  public long pid() {
    return pid;
  }

  /**
   * The most processes the tree had at one sample.
   *
   * @return the peak process count
   */
  public int peakProcessCount() {
    return peakProcessCount;
  }

  /**
   * The largest memory figure sampled for the whole tree.
   *
   * @return the peak memory
   */
  public MemorySize peakMemory() {
    return peakMemory;
  }

  /**
   * Which measurement produced {@link #peakMemory()}.
   *
   * @return the metric of the peak
   */
  public MemoryMetric peakMetric() {
    return peakMetric;
  }

  /**
   * How the root process ended, when it ended by itself.
   *
   * @return the exit status, or empty when the root process did not end by itself
   */
  public Optional<ExitStatus> exitStatus() {
    return Optional.ofNullable(exitStatus);
  }

  /**
   * The last lines the tree wrote to stderr (may be empty).
   *
   * @return the stderr tail, or an empty string
   */
  public String stderrTail() {
    return stderrTail;
  }

  @Override
  public String toString() {
    return "pool="
        + poolName
        + ", worker="
        + workerId
        + " ("
        + label
        + "), pid="
        + pid
        + ", peak "
        + peakProcessCount
        + " processes and "
        + peakMemory
        + " "
        + peakMetric
        + (exitStatus == null ? "" : ", " + exitStatus);
  }
}
