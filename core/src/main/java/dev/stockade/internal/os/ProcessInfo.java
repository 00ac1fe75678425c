package dev.stockade.internal.os;

/**
 * One line of the process table, read from {@code /proc/PID/stat} in a single read.
 *
 * @param state the state letter: R, S, D, T, t, Z, X, I …
 * @param rssPages resident pages (field 24), shared pages included
 * @param cpuTicks CPU time used so far, user plus system (fields 14 and 15), in clock ticks
 *     (USER_HZ: 100 per second); children's time is not included
 */
public record ProcessInfo(
    long pid,
    long ppid,
    long pgid,
    long sid,
    char state,
    long startTime,
    long rssPages,
    long cpuTicks) {

  /** Length of a clock tick of {@link #cpuTicks}: USER_HZ is 100 on every Linux architecture. */
  public static final long NANOS_PER_TICK = 10_000_000L;

  public ProcessIdentity identity() {
    return new ProcessIdentity(pid, startTime);
  }

  /** Zombies and dead entries hold no memory and run nothing: they count as ended. */
  public boolean isEnded() {
    return state == 'Z' || state == 'X' || state == 'x';
  }

  /** Stopped by a signal (SIGSTOP, SIGTSTP …) or by a tracer: it runs nothing until resumed. */
  public boolean isStopped() {
    return state == 'T' || state == 't';
  }

  public boolean is(ProcessIdentity identity) {
    return pid == identity.pid() && startTime == identity.startTime();
  }
}
