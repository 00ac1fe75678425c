package dev.stockade.internal.os;

import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every process of the machine at one moment, read in one pass over {@code /proc}: one read of
 * {@code /proc/PID/stat} per process. One table serves every tree of a pool per housekeeper tick,
 * so the cost of sampling does not grow with the number of workers.
 */
public final class ProcessTable {
  private static final File PROC = new File("/proc");

  private final Map<Long, ProcessInfo> byPid;
  private final long floorPid;
  private Map<Long, List<ProcessInfo>> byParent;

  private ProcessTable(Map<Long, ProcessInfo> byPid, long floorPid) {
    this.byPid = byPid;
    this.floorPid = floorPid;
  }

  /** True where {@code /proc} can be read (Linux). */
  public static boolean isAvailable() {
    return new File("/proc/self/stat").canRead();
  }

  /** Where a scan reads each stat line from. */
  public interface StatSource {
    /** The stat line of {@code pid}, or null if it is gone. */
    ProcessInfo read(long pid);

    /** Called after each scan with the pids it read; a source may drop state of the others. */
    default void retainOnly(Set<Long> read) {}
  }

  private static final StatSource PLAIN = ProcFs::readStat;

  /** Reads the whole table now. Processes that end during the pass are simply absent. */
  public static ProcessTable scan() {
    return scan(1);
  }

  /**
   * Reads the processes whose pid is at least {@code floorPid} (see {@link PidCounter}). The
   * directory listing is cheap; the stat reads it skips are the cost.
   */
  public static ProcessTable scan(long floorPid) {
    return scan(floorPid, PLAIN);
  }

  /** Reads the processes whose pid is at least {@code floorPid} from {@code source}. */
  public static ProcessTable scan(long floorPid, StatSource source) {
    String[] names = PROC.list();
    Map<Long, ProcessInfo> byPid = new HashMap<>(names == null ? 16 : names.length * 2);
    if (names != null) {
      for (String name : names) {
        long pid = ProcFs.pidOf(name);
        if (pid <= 0 || pid < floorPid) {
          continue;
        }
        ProcessInfo info = source.read(pid);
        if (info != null) {
          byPid.put(pid, info);
        }
      }
    }
    source.retainOnly(byPid.keySet());
    return new ProcessTable(byPid, floorPid);
  }

  /** The lowest pid this table covers; processes below it were not read. */
  public long floorPid() {
    return floorPid;
  }

  public ProcessInfo get(long pid) {
    return byPid.get(pid);
  }

  /** The process if it is alive in this table with the same identity, else null. */
  public ProcessInfo find(ProcessIdentity identity) {
    ProcessInfo info = byPid.get(identity.pid());
    return info != null && info.is(identity) ? info : null;
  }

  public Collection<ProcessInfo> all() {
    return Collections.unmodifiableCollection(byPid.values());
  }

  /** Direct children of {@code pid} in this table. */
  public List<ProcessInfo> childrenOf(long pid) {
    if (byParent == null) {
      Map<Long, List<ProcessInfo>> index = new HashMap<>(byPid.size());
      for (ProcessInfo p : byPid.values()) {
        index.computeIfAbsent(p.ppid(), k -> new ArrayList<>(2)).add(p);
      }
      byParent = index;
    }
    return byParent.getOrDefault(pid, List.of());
  }

  public int size() {
    return byPid.size();
  }
}
