package dev.stockade.internal.os;

/**
 * One line of the process table, read from {@code /proc/PID/stat} in a single read.
 *
 * @param state the state letter: R, S, D, T, t, Z, X, I …
 * @param rssPages resident pages (field 24), shared pages included
 */
public record ProcessInfo(
    long pid, long ppid, long pgid, long sid, char state, long startTime, long rssPages) {

  public ProcessIdentity identity() {
    return new ProcessIdentity(pid, startTime);
  }

  /** Zombies and dead entries hold no memory and run nothing: they count as ended. */
  public boolean isEnded() {
    return state == 'Z' || state == 'X' || state == 'x';
  }

  public boolean is(ProcessIdentity identity) {
    return pid == identity.pid() && startTime == identity.startTime();
  }
}
