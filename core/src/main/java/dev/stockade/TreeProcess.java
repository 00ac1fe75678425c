package dev.stockade;

import java.util.Objects;

/**
 * One process of a tree as the pool saw it when it decided to end the tree for a limit or a timeout
 * ({@link WorkerDetails#processesWhenEnded()}): the post-mortem that says who held the memory or
 * what hung, not only how much.
 *
 * @param pid its pid
 * @param parentPid its parent's pid then
 * @param commandLine its command line, arguments joined by spaces and cut to {@value
 *     #MAX_COMMAND_LINE} characters (ending in {@code …} when cut); {@code [gone]} when the process
 *     ended before it could be read (the kernel may have killed it at the tree's memory limit)
 * @param memory the most memory the pool saw it hold: its RSS then, or the most a sample found
 *     while the tree held half its memory limit or more, whichever is larger (a process the kernel
 *     kills at a cgroup's limit holds nothing while it dies, though it held the most a moment
 *     before)
 * @param metric how {@code memory} was measured: {@link MemoryMetric#RSS} (a cgroup's count has no
 *     per-process share, and reading a process's PSS walks its page tables, which for a process of
 *     many gigabytes would delay the kill)
 * @param state its state letter as {@code /proc/<pid>/stat} shows it ({@code R} running, {@code S}
 *     sleeping, {@code D} in uninterruptible sleep, {@code T} stopped, {@code Z} zombie), or {@code
 *     -} when it was gone
 */
public record TreeProcess(
    long pid,
    long parentPid,
    String commandLine,
    MemorySize memory,
    MemoryMetric metric,
    String state) {

  /** The most characters of a command line kept. */
  public static final int MAX_COMMAND_LINE = 160;

  /**
   * One process; {@code commandLine} is cut to {@value #MAX_COMMAND_LINE} characters.
   *
   * @param pid its pid
   * @param parentPid its parent's pid
   * @param commandLine its command line
   * @param memory its memory
   * @param metric how {@code memory} was measured
   * @param state its state letter
   */
  public TreeProcess {
    Objects.requireNonNull(commandLine, "commandLine");
    Objects.requireNonNull(memory, "memory");
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(state, "state");
    if (commandLine.length() > MAX_COMMAND_LINE) {
      commandLine = commandLine.substring(0, MAX_COMMAND_LINE - 1) + "…";
    }
  }

  /**
   * {@code "pid 412 (parent 400) 1.2 GiB RSS R chrome --type=renderer …"}, for messages and logs.
   *
   * @return the process in one line
   */
  @Override
  public String toString() {
    return "pid "
        + pid
        + " (parent "
        + parentPid
        + ") "
        + memory
        + " "
        + metric
        + " "
        + state
        + " "
        + commandLine;
  }
}
