package dev.stockade.internal.engine;

import dev.stockade.MemoryMetric;
import dev.stockade.MemorySize;
import dev.stockade.TreeProcess;
import dev.stockade.WorkerDetails;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.Signals;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tree's processes as the pool saw them when it decided to end the tree, for the failure and the
 * log: who held the memory or what hung, not only how much.
 *
 * <p>The listing starts from the members of the tree's last full sample, each read again from
 * {@code /proc} at the moment of the decision (its parent, memory and state now). A member that is
 * gone by then — the kernel kills the largest process of a cgroup at its memory limit before the
 * pool hears of it — keeps what the sample saw, with the command line remembered for it: the pool
 * reads the command lines of a tree's new members at each sample once the tree holds half its
 * memory limit, with the most RSS each sample finds each holding, so a tree far below its limit
 * costs nothing more per sample. A process's memory is the larger of its RSS now and the most a
 * sample saw: the kernel's victim holds nothing while it dies. Memory per process is RSS: reading a
 * process's PSS walks its page tables, which for a process of many gigabytes would delay the kill
 * of a tree past its limit.
 */
final class PostMortem {
  private static final long PAGE_SIZE = Signals.pageSize();

  /**
   * A process seen near the limit: its command line, read once, and the most RSS a sample found it
   * holding, by its start time (a pid may be reused).
   */
  private record Seen(long startTime, String commandLine, long maxRssPages) {}

  /** The members of the last full sample, and of the one before; written by the housekeeper. */
  private volatile List<ProcessInfo> members = List.of();

  private volatile List<ProcessInfo> membersBefore = List.of();

  private final Map<Long, Seen> commandLines = new ConcurrentHashMap<>();

  /** The listing once taken, or null. */
  private volatile Listing taken;

  /** The processes listed, largest first, and how many the tree had. */
  record Listing(List<TreeProcess> processes, int count) {}

  /**
   * The members of a full sample; {@code nearLimit} when the tree holds half its memory limit or
   * more, and the command lines of members not seen before are read.
   */
  void sampled(List<ProcessInfo> sampled, boolean nearLimit) {
    membersBefore = members;
    members = sampled;
    if (!nearLimit) {
      return;
    }
    for (ProcessInfo p : sampled) {
      Seen seen = commandLines.get(p.pid());
      if (seen == null || seen.startTime() != p.startTime()) {
        commandLines.put(
            p.pid(), new Seen(p.startTime(), ProcFs.commandLine(p.pid()), p.rssPages()));
      } else if (p.rssPages() > seen.maxRssPages()) {
        commandLines.put(p.pid(), new Seen(p.startTime(), seen.commandLine(), p.rssPages()));
      }
    }
    if (commandLines.size() > 2 * sampled.size() + 16) {
      Set<Long> alive = new HashSet<>();
      for (ProcessInfo p : sampled) {
        alive.add(p.pid());
      }
      commandLines.keySet().retainAll(alive);
    }
  }

  /**
   * Reads the listing now, once; a later call keeps the first. Null before any full sample. With
   * {@code withRecentlyGone}, the members of the sample before the last that the last no longer
   * found are listed too, as gone: the kernel's victims at a cgroup's memory limit, which the pool
   * hears of only after they died.
   */
  Listing take(boolean withRecentlyGone) {
    Listing listing = taken;
    if (listing != null) {
      return listing;
    }
    List<ProcessInfo> seen = new ArrayList<>(members);
    if (withRecentlyGone) {
      Set<Long> inLast = new HashSet<>();
      for (ProcessInfo p : seen) {
        inLast.add(p.pid());
      }
      for (ProcessInfo p : membersBefore) {
        if (!inLast.contains(p.pid())) {
          seen.add(p);
        }
      }
    }
    if (seen.isEmpty()) {
      return null;
    }
    List<TreeProcess> processes = new ArrayList<>(seen.size());
    for (ProcessInfo then : seen) {
      processes.add(readAgain(then));
    }
    processes.sort(
        Comparator.comparingLong((TreeProcess p) -> p.memory().toBytes())
            .reversed()
            .thenComparingLong(TreeProcess::pid));
    listing = new Listing(List.copyOf(processes), seen.size());
    taken = listing;
    return listing;
  }

  /** {@code details} with the listing, if one was taken. */
  WorkerDetails applyTo(WorkerDetails details) {
    Listing listing = taken;
    return listing == null
        ? details
        : details.withProcessesWhenEnded(listing.processes(), listing.count());
  }

  private TreeProcess readAgain(ProcessInfo then) {
    ProcessInfo now = ProcFs.readStat(then.pid());
    boolean alive = now != null && now.startTime() == then.startTime() && !now.isEnded();
    Seen remembered = commandLines.get(then.pid());
    if (remembered != null && remembered.startTime() != then.startTime()) {
      remembered = null;
    }
    String line = alive ? ProcFs.commandLine(then.pid()) : "";
    if (line.isEmpty()) {
      line =
          remembered == null || remembered.commandLine().isEmpty()
              ? (alive ? "[no command line]" : "[gone]")
              : remembered.commandLine();
    }
    // The most it was seen holding: a victim of the kernel at the memory limit holds nothing
    // once it is dying (or is gone), though it held the most a moment before.
    long rssPages =
        Math.max(
            alive ? now.rssPages() : then.rssPages(),
            remembered == null ? 0 : remembered.maxRssPages());
    return new TreeProcess(
        then.pid(),
        alive ? now.ppid() : then.ppid(),
        line,
        MemorySize.ofBytes(rssPages * PAGE_SIZE),
        MemoryMetric.RSS,
        alive ? String.valueOf(now.state()) : "-");
  }
}
