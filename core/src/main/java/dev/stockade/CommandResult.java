package dev.stockade;

import java.time.Duration;
import java.util.Objects;

/**
 * How a command ended by itself: its exit status (any code, or a signal Stockade did not send), the
 * captured output, how long it ran and how large its whole process tree grew.
 *
 * <p>By the time a future completes with a result, every process of the command's tree has ended —
 * also those it left running — and its temporary directory is gone.
 */
public final class CommandResult {
  private final String label;
  private final long pid;
  private final ExitStatus exitStatus;
  private final CapturedOutput stdout;
  private final CapturedOutput stderr;
  private final Duration duration;
  private final MemorySize peakMemory;
  private final MemoryMetric peakMetric;
  private final int peakProcessCount;
  private final int leftoverProcessesEnded;

  /**
   * A result, as the pool builds it when a command ends by itself.
   *
   * @param label the command's label
   * @param pid the pid of the command's own process
   * @param exitStatus how the process ended
   * @param stdout what the process wrote to standard output
   * @param stderr what the process wrote to standard error
   * @param duration from the start of the process to its exit
   * @param peakMemory the largest memory figure sampled for the whole tree
   * @param peakMetric how {@code peakMemory} was measured
   * @param peakProcessCount the most processes the tree had at one sample
   * @param leftoverProcessesEnded processes the command left behind that Stockade ended
   */
  public CommandResult(
      String label,
      long pid,
      ExitStatus exitStatus,
      CapturedOutput stdout,
      CapturedOutput stderr,
      Duration duration,
      MemorySize peakMemory,
      MemoryMetric peakMetric,
      int peakProcessCount,
      int leftoverProcessesEnded) {
    this.label = Objects.requireNonNull(label, "label");
    this.pid = pid;
    this.exitStatus = Objects.requireNonNull(exitStatus, "exitStatus");
    this.stdout = Objects.requireNonNull(stdout, "stdout");
    this.stderr = Objects.requireNonNull(stderr, "stderr");
    this.duration = Objects.requireNonNull(duration, "duration");
    this.peakMemory = Objects.requireNonNull(peakMemory, "peakMemory");
    this.peakMetric = Objects.requireNonNull(peakMetric, "peakMetric");
    this.peakProcessCount = peakProcessCount;
    this.leftoverProcessesEnded = leftoverProcessesEnded;
  }

  /**
   * The command's label, the program's name unless the command set one.
   *
   * @return the label
   */
  public String label() {
    return label;
  }

  /**
   * The pid of the command's own process.
   *
   * @return the pid
   */
  public long pid() {
    return pid;
  }

  /**
   * How the command's own process ended.
   *
   * @return its exit status
   */
  public ExitStatus exitStatus() {
    return exitStatus;
  }

  /**
   * Shorthand for {@code exitStatus().isSuccess()}.
   *
   * @return whether the command exited with code 0
   */
  public boolean isSuccess() {
    return exitStatus.isSuccess();
  }

  /**
   * What the command's tree wrote to standard output.
   *
   * @return the captured tail and the total count
   */
  public CapturedOutput stdout() {
    return stdout;
  }

  /**
   * What the command's tree wrote to standard error.
   *
   * @return the captured tail and the total count
   */
  public CapturedOutput stderr() {
    return stderr;
  }

  /**
   * From the start of the process to its exit.
   *
   * @return how long the command's process ran
   */
  public Duration duration() {
    return duration;
  }

  /**
   * The largest memory figure sampled for the whole tree. Samples are taken every sample interval,
   * so a tree shorter-lived than one interval may show {@link MemorySize#ZERO}.
   *
   * @return the peak, {@link MemorySize#ZERO} if no sample was taken
   */
  public MemorySize peakMemory() {
    return peakMemory;
  }

  /**
   * Which measurement produced {@link #peakMemory()}.
   *
   * @return the measurement of the peak
   */
  public MemoryMetric peakMetric() {
    return peakMetric;
  }

  /**
   * The most processes the tree had at one sample.
   *
   * @return the largest process count sampled
   */
  public int peakProcessCount() {
    return peakProcessCount;
  }

  /**
   * How many processes the command left behind that Stockade then ended: the processes of its tree
   * that its teardown, after the command's own process had exited, sent SIGTERM (those alive when
   * it began) or SIGKILL (those still alive when the grace ran out) and that are gone afterwards,
   * plus any process found still holding the command's stdout or stderr after that teardown (one
   * that escaped the tree unseen). A process a leftover started and that ended by itself during the
   * grace is not counted. Zero when the command left nothing behind.
   *
   * @return the count of leftover processes ended, zero when none was left
   */
  public int leftoverProcessesEnded() {
    return leftoverProcessesEnded;
  }

  @Override
  public String toString() {
    return "CommandResult["
        + label
        + ", pid "
        + pid
        + ", "
        + exitStatus
        + ", "
        + duration.toMillis()
        + " ms, peak "
        + peakMemory
        + " "
        + peakMetric
        + ", stdout "
        + stdout.totalBytes()
        + " B, stderr "
        + stderr.totalBytes()
        + " B"
        + (leftoverProcessesEnded > 0 ? ", " + leftoverProcessesEnded + " leftovers ended" : "")
        + "]";
  }
}
