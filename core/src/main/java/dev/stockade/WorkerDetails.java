package dev.stockade;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The facts about a worker's process tree at the moment Stockade ended it or saw it end: who it
 * was, how large it grew and what it last wrote to stderr, and — when the pool ended it for a limit
 * or a timeout — its processes at that moment, largest first ({@link #processesWhenEnded()}).
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
  private final List<TreeProcess> processesWhenEnded;
  private final int processCountWhenEnded;

  /** The most processes {@link #processesWhenEnded()} lists; the count says how many there were. */
  public static final int MAX_PROCESSES_LISTED = 20;

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
    this.processesWhenEnded = List.of();
    this.processCountWhenEnded = 0;
  }

  private WorkerDetails(WorkerDetails d, List<TreeProcess> processes, int count) {
    this.poolName = d.poolName;
    this.workerId = d.workerId;
    this.label = d.label;
    this.pid = d.pid;
    this.peakProcessCount = d.peakProcessCount;
    this.peakMemory = d.peakMemory;
    this.peakMetric = d.peakMetric;
    this.exitStatus = d.exitStatus;
    this.stderrTail = d.stderrTail;
    this.processesWhenEnded = processes;
    this.processCountWhenEnded = count;
  }

  /**
   * These details with the tree's processes when the pool decided to end it.
   *
   * @param processes the processes, largest first; at most {@value #MAX_PROCESSES_LISTED} are kept
   * @param count how many processes the tree had then, those left out included
   * @return a copy with the listing
   * @throws IllegalArgumentException if {@code count} is smaller than what is listed
   */
  public WorkerDetails withProcessesWhenEnded(List<TreeProcess> processes, int count) {
    if (count < processes.size()) {
      throw new IllegalArgumentException(
          "count must be at least the " + processes.size() + " processes listed, but was " + count);
    }
    List<TreeProcess> kept =
        List.copyOf(processes.subList(0, Math.min(processes.size(), MAX_PROCESSES_LISTED)));
    return new WorkerDetails(this, kept, count);
  }

  /**
   * The tree's processes when the pool decided to end it for its memory or process limit, its
   * deadline, or a heartbeat or progress timeout: largest first by memory, at most {@value
   * #MAX_PROCESSES_LISTED}. Empty for any other end (the tree exited, was cancelled or closed), and
   * when the pool had not sampled the tree yet.
   *
   * @return the processes, largest first
   */
  public List<TreeProcess> processesWhenEnded() {
    return processesWhenEnded;
  }

  /**
   * How many processes the tree had when the pool decided to end it, those {@link
   * #processesWhenEnded()} leaves out included; 0 when there is no listing.
   *
   * @return the count
   */
  public int processCountWhenEnded() {
    return processCountWhenEnded;
  }

  /**
   * The listing of {@link #processesWhenEnded()}, one process a line, with a last line for those
   * left out; empty when there is none.
   *
   * @return the listing
   */
  public String processListing() {
    if (processesWhenEnded.isEmpty()) {
      return "";
    }
    StringBuilder text = new StringBuilder();
    for (TreeProcess p : processesWhenEnded) {
      text.append("  ").append(p).append('\n');
    }
    int more = processCountWhenEnded - processesWhenEnded.size();
    if (more > 0) {
      text.append("  … and ").append(more).append(" more\n");
    }
    return text.toString();
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
   * The last lines the tree wrote to stderr (may be empty). In the failure of a task on a
   * persistent worker: only the lines the worker wrote while it ran that task (see {@link MdcKeys}
   * for how a line is put on a task); for a worker that never started, its start-up lines.
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
