package dev.stockade.internal.os;

import java.io.File;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The housekeeper's knowledge of which processes arrived, so that a tick costs what the pool's own
 * trees cost, not what the machine's process table does.
 *
 * <p>Each tick gets a {@linkplain #tick view} that reads a process only when a tree asks for it. A
 * tree that was refreshed before asks only for its known members and for what arrived since its
 * last refresh ({@link ProcessTable#arrivalsSince}). The first such question of a tick brings the
 * census up to date, once:
 *
 * <ul>
 *   <li>When the kernel's pid counter ({@link PidCounter}) has not moved since the last look, no
 *       process was created: nothing arrived, and {@code /proc} is not even listed.
 *   <li>Otherwise {@code /proc} is listed, and the pids at or above the tick's floor that the last
 *       listing did not hold are read: they are the new <i>generation</i>'s arrivals, and their
 *       tags are read once ({@link TagIndex#learn}). A process whose environment could not be read
 *       yet (caught mid-exec) is tried again at the next ticks, at most {@link #TAG_ATTEMPTS}
 *       times; if its tag is then found, it arrives again, so that a tree that already looked sees
 *       it.
 * </ul>
 *
 * <p>The last {@link #HISTORY} generations are kept. A tree that asks for more (it missed that
 * many), its first refresh, and every tree after the pid counter wrapped around, are told the
 * arrivals are unknown and read the whole table, as a scan would. Once in {@link #FULL_LOOK_EVERY}
 * looks the census reads the whole table itself, and every tree that looks after that generation is
 * told every process of it as an arrival.
 *
 * <p>Not thread-safe: owned by one housekeeper thread.
 */
public final class ProcessCensus implements AutoCloseable {
  /** Generations kept: at a generation per tick, eight seconds at the default interval. */
  static final int HISTORY = 32;

  /** Ticks a process whose environment cannot be read is tried again for its tag. */
  static final int TAG_ATTEMPTS = 8;

  private static final File PROC = new File("/proc");

  /**
   * Every this many looks, the whole table is read and every process of it arrives again, so each
   * tree judges all of them once: what the arrivals alone cannot show (a process whose parent
   * joined a tree after the process arrived) is found within about 16 seconds at the default
   * interval, and a tree sampled less often at its next sample after that.
   */
  static final int FULL_LOOK_EVERY = 64;

  /**
   * What arrived in one generation (at a periodic full look, every process); {@code unknown} after
   * a wrap-around and at the first listing: then every tree reads the whole table.
   */
  private record Generation(long number, List<ProcessInfo> arrivals, boolean unknown) {}

  private final TagIndex tags;
  private final CachedStatReader reader = new CachedStatReader();
  private final Deque<Generation> history = new ArrayDeque<>();
  private final Map<ProcessIdentity, Pending> untagged = new LinkedHashMap<>();
  private Set<Long> listed = Set.of();
  private PidCounter.Reading counterAtListing = new PidCounter.Reading(-1, -1);
  private long generation;
  private long looks;
  private ProcessTable current;
  private long currentFloor;
  private boolean upToDate;

  private static final class Pending {
    final ProcessInfo process;
    int attempts;

    Pending(ProcessInfo process) {
      this.process = process;
    }
  }

  public ProcessCensus(TagIndex tags) {
    this.tags = tags;
  }

  /** The view of one tick, of the processes at or above {@code floorPid}. */
  public ProcessTable tick(long floorPid) {
    currentFloor = floorPid;
    upToDate = false;
    current = ProcessTable.onDemand(floorPid, reader, this::since);
    return current;
  }

  /** The newest generation: arrivals after it are not known yet. */
  long generation() {
    return generation;
  }

  /**
   * No tree is left to watch: forgets everything and holds no descriptors. Later questions about
   * the generations before are answered "unknown".
   */
  public void idle() {
    reader.close();
    history.clear();
    untagged.clear();
    listed = Set.of();
    counterAtListing = new PidCounter.Reading(-1, -1);
    generation++;
    current = null;
  }

  @Override
  public void close() {
    idle();
  }

  private ProcessTable.Arrivals since(long since) {
    if (!upToDate) {
      upToDate = true;
      advance();
    }
    if (since >= generation) {
      return new ProcessTable.Arrivals(generation, List.of());
    }
    if (history.isEmpty() || history.peekFirst().number() > since + 1) {
      return ProcessTable.Arrivals.unknown(generation);
    }
    List<ProcessInfo> arrived = new ArrayList<>();
    for (Generation g : history) {
      if (g.number() <= since) {
        continue;
      }
      if (g.unknown()) {
        return ProcessTable.Arrivals.unknown(generation);
      }
      arrived.addAll(g.arrivals());
    }
    return new ProcessTable.Arrivals(generation, arrived);
  }

  /** Brings the census up to the present: lists {@code /proc} only if a process was created. */
  private void advance() {
    List<ProcessInfo> arrived = new ArrayList<>();
    retryTags(arrived);
    // The counter is read before the listing: a process created after the reading is either in
    // this listing or moves the counter, so the next tick lists again.
    PidCounter.Reading counter = PidCounter.read();
    boolean moved = !counter.isKnown() || !counter.equals(counterAtListing);
    boolean periodic = ++looks % FULL_LOOK_EVERY == 0;
    boolean unknown = false;
    if (moved) {
      boolean wrapped =
          counterAtListing.isKnown()
              && (counter.epoch() != counterAtListing.epoch()
                  || counter.lastPid() < counterAtListing.lastPid());
      boolean first = listed.isEmpty();
      Set<Long> now = list();
      for (long pid : now) {
        if (!listed.contains(pid)) {
          ProcessInfo p = current.get(pid);
          if (p != null) {
            arrived.add(p);
          }
        }
      }
      reader.retainOnly(now);
      tags.forgetAllBut(now, currentFloor);
      untagged.keySet().removeIf(identity -> !now.contains(identity.pid()));
      listed = now;
      counterAtListing = counter;
      unknown = first || wrapped;
      for (ProcessInfo p : tags.learn(arrived)) {
        untagged.putIfAbsent(p.identity(), new Pending(p));
      }
    }
    if (periodic && !unknown) {
      // The periodic full look reads the whole table once, at this tick: every tree that looks
      // after this generation is told all of it as arrivals, on whatever tick its next sample
      // falls. Quiet trees are sampled at different ticks, and declaring the arrivals unknown
      // would make each of those ticks read the whole table again. The table holds this tick's
      // arrivals too: it replaces them, so that none arrives twice.
      Collection<ProcessInfo> whole = current.all();
      for (ProcessInfo p : tags.learn(whole)) {
        untagged.putIfAbsent(p.identity(), new Pending(p));
      }
      arrived.clear();
      arrived.addAll(whole);
    }
    if (!arrived.isEmpty() || unknown || periodic) {
      generation++;
      history.addLast(new Generation(generation, List.copyOf(arrived), unknown));
      while (history.size() > HISTORY) {
        history.removeFirst();
      }
    }
  }

  /**
   * Tries again the tags of processes whose environment could not be read; one whose tag is found
   * now arrives again, into {@code arrived}.
   */
  private void retryTags(List<ProcessInfo> arrived) {
    for (Iterator<Pending> it = untagged.values().iterator(); it.hasNext(); ) {
      Pending pending = it.next();
      if (tags.learn(List.of(pending.process)).isEmpty()) {
        it.remove();
        if (tags.tagOf(pending.process) != null) {
          arrived.add(pending.process);
        }
      } else if (++pending.attempts >= TAG_ATTEMPTS) {
        it.remove();
      }
    }
  }

  private Set<Long> list() {
    String[] names = PROC.list();
    Set<Long> pids = new HashSet<>(names == null ? 16 : names.length * 2);
    if (names != null) {
      for (String name : names) {
        long pid = ProcFs.pidOf(name);
        if (pid > 0 && pid >= currentFloor) {
          pids.add(pid);
        }
      }
    }
    return pids;
  }
}
