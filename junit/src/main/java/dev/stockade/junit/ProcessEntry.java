package dev.stockade.junit;

/**
 * One process as {@code /proc} showed it: {@code state} is the letter of {@code /proc/PID/stat}
 * ({@code Z} for a zombie), {@code startTime} its start in clock ticks since boot, which with the
 * pid names it among every process the machine ever ran.
 */
record ProcessEntry(long pid, long ppid, char state, long startTime, String name, String args) {
  boolean isZombie() {
    return state == 'Z' || state == 'X';
  }

  /** The same process: the pid and its start time. */
  boolean sameAs(ProcessEntry other) {
    return other != null && other.pid == pid && other.startTime == startTime;
  }

  @Override
  public String toString() {
    return pid
        + " (parent "
        + ppid
        + ", "
        + state
        + ") "
        + (args.isEmpty() ? "[" + name + "]" : args);
  }
}
