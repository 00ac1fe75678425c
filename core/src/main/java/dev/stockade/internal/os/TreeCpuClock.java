package dev.stockade.internal.os;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CPU time a tree has used, counted from the stat lines each table already read, so it costs no
 * extra read. Each sample adds, for every member, what its user plus system time grew by since the
 * previous sample — all of it for a member not seen before — so the total only grows: a member that
 * exits takes its time with it from the members' sum, but not from this clock (it loses only the
 * slice it used since the previous sample). Processes are told apart by pid and start time, so a
 * recycled pid starts from zero.
 *
 * <p>In cgroup mode the members come from the table too (the cgroup lists the pids), so the figure
 * is the same in every containment mode.
 *
 * <p>Not thread-safe: used by the housekeeper thread only.
 */
public final class TreeCpuClock {
  /** Per pid: start time and CPU ticks at the previous sample. */
  private Map<Long, long[]> previous = new HashMap<>(4);

  private Map<Long, long[]> current = new HashMap<>(4);
  private long usedTicks;

  /** Counts what {@code members} used since the previous sample; returns the total so far. */
  public long sample(List<ProcessInfo> members) {
    for (ProcessInfo p : members) {
      long[] before = previous.get(p.pid());
      long grown =
          before != null && before[0] == p.startTime()
              ? Math.max(0, p.cpuTicks() - before[1])
              : p.cpuTicks();
      usedTicks += grown;
      long[] entry = before != null ? before : new long[2];
      entry[0] = p.startTime();
      entry[1] = p.cpuTicks();
      current.put(p.pid(), entry);
    }
    Map<Long, long[]> swap = previous;
    previous = current;
    current = swap;
    current.clear();
    return usedTicks;
  }

  /** CPU time the tree used so far, in nanoseconds, with the 10 ms grain of clock ticks. */
  public long usedNanos() {
    return usedTicks * ProcessInfo.NANOS_PER_TICK;
  }
}
