package dev.stockade.internal.os;

import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The processes of the machine at one moment, from {@code /proc}: one read of {@code
 * /proc/PID/stat} per process.
 *
 * <p>A table is either complete — every process at or above its floor, read in one pass ({@link
 * #scan}) — or a housekeeper tick's {@linkplain #onDemand view}, which reads a process only when it
 * is asked for (at most once per tick) and the whole table only if {@link #all} is called. A tick's
 * view also tells which processes {@linkplain #arrivalsSince arrived} since an earlier tick ({@link
 * ProcessCensus}), so that a tree's membership is refreshed from its known members and the
 * newcomers alone: the cost of a tick follows the pool's own processes, not the machine's.
 *
 * <p>Not thread-safe: a tick's view is used by the housekeeper thread during that tick only.
 */
public final class ProcessTable {
  private static final File PROC = new File("/proc");

  /** What arrived since a generation of a {@link ProcessCensus}. */
  public interface ArrivalSource {
    /** See {@link ProcessTable#arrivalsSince}. */
    Arrivals since(long generation);
  }

  /**
   * The processes that arrived after generation {@code since} up to {@code generation}, as read
   * when each arrived; {@code processes} is null when they are not known (the history does not
   * reach back so far, the pid counter wrapped, or the table is a complete scan): then every
   * process of {@link #all} is a possible newcomer.
   */
  public record Arrivals(long generation, List<ProcessInfo> processes) {
    /** Arrivals that are not known: read the whole table. */
    public static Arrivals unknown(long generation) {
      return new Arrivals(generation, null);
    }

    public boolean isKnown() {
      return processes != null;
    }
  }

  private final Map<Long, ProcessInfo> byPid;
  private final long floorPid;
  private Map<Long, List<ProcessInfo>> byParent;
  private Map<Long, List<ProcessInfo>> byLeader;
  private Map<String, List<ProcessInfo>> byTag;

  /** Null for a complete table; else where single processes are read. */
  private final StatSource source;

  private final ArrivalSource arrivals;
  private boolean complete;

  /** Pids asked for and found gone, in a view. */
  private final Set<Long> missing;

  private ProcessTable(Map<Long, ProcessInfo> byPid, long floorPid) {
    this.byPid = byPid;
    this.floorPid = floorPid;
    this.source = null;
    this.arrivals = null;
    this.complete = true;
    this.missing = Set.of();
  }

  private ProcessTable(long floorPid, StatSource source, ArrivalSource arrivals) {
    this.byPid = new HashMap<>();
    this.floorPid = floorPid;
    this.source = source;
    this.arrivals = arrivals;
    this.complete = false;
    this.missing = new HashSet<>();
  }

  /**
   * A tick's view of the processes at or above {@code floorPid}: each read from {@code source} when
   * first asked for; {@code arrivals} tells what arrived since an earlier tick.
   */
  public static ProcessTable onDemand(long floorPid, StatSource source, ArrivalSource arrivals) {
    return new ProcessTable(floorPid, source, arrivals);
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
    ProcessInfo info = byPid.get(pid);
    if (info != null || complete || pid < floorPid || missing.contains(pid)) {
      return info;
    }
    info = source.read(pid);
    if (info == null) {
      missing.add(pid);
    } else {
      byPid.put(pid, info);
    }
    return info;
  }

  /**
   * What arrived after generation {@code since} (see {@link Arrivals}); a complete table knows no
   * generations and answers that every process may be new.
   */
  public Arrivals arrivalsSince(long since) {
    return arrivals == null ? Arrivals.unknown(since) : arrivals.since(since);
  }

  /** The process if it is alive in this table with the same identity, else null. */
  public ProcessInfo find(ProcessIdentity identity) {
    ProcessInfo info = get(identity.pid());
    return info != null && info.is(identity) ? info : null;
  }

  /** Every process at or above the floor; a view reads the rest of the table first. */
  public Collection<ProcessInfo> all() {
    if (!complete) {
      String[] names = PROC.list();
      if (names != null) {
        for (String name : names) {
          long pid = ProcFs.pidOf(name);
          if (pid > 0) {
            get(pid);
          }
        }
      }
      complete = true;
    }
    return Collections.unmodifiableCollection(byPid.values());
  }

  /** Direct children of {@code pid} in this table. */
  public List<ProcessInfo> childrenOf(long pid) {
    if (byParent == null) {
      Map<Long, List<ProcessInfo>> index = new HashMap<>(byPid.size());
      for (ProcessInfo p : all()) {
        index.computeIfAbsent(p.ppid(), k -> new ArrayList<>(2)).add(p);
      }
      byParent = index;
    }
    return byParent.getOrDefault(pid, List.of());
  }

  /**
   * The processes of the table in session or process group {@code leader}; an index of {@link #all}
   * built once per table, so that each tree of a tick finds its own without a pass over the whole
   * table.
   */
  public List<ProcessInfo> inSessionOrGroup(long leader) {
    if (byLeader == null) {
      Map<Long, List<ProcessInfo>> index = new HashMap<>();
      for (ProcessInfo p : all()) {
        index.computeIfAbsent(p.sid(), k -> new ArrayList<>(2)).add(p);
        if (p.pgid() != p.sid()) {
          index.computeIfAbsent(p.pgid(), k -> new ArrayList<>(2)).add(p);
        }
      }
      byLeader = index;
    }
    return byLeader.getOrDefault(leader, List.of());
  }

  /**
   * The processes of the table that carry {@code tag}, by {@code tags}, which first reads the tags
   * of the processes it has not seen; an index built once per table.
   */
  public List<ProcessInfo> taggedWith(String tag, TagIndex tags) {
    if (byTag == null) {
      tags.learn(all());
      Map<String, List<ProcessInfo>> index = new HashMap<>();
      for (ProcessInfo p : all()) {
        String t = tags.tagOf(p);
        if (t != null) {
          index.computeIfAbsent(t, k -> new ArrayList<>(2)).add(p);
        }
      }
      byTag = index;
    }
    return byTag.getOrDefault(tag, List.of());
  }

  public int size() {
    return all().size();
  }
}
