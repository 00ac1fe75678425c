package dev.stockade.internal.os;

import dev.stockade.MemoryAccounting;
import dev.stockade.MemoryMetric;
import java.util.List;

/**
 * Measures one tree's memory from the members of one table. One instance per tree: with {@link
 * MemoryAccounting#RSS_SCREENED_PSS} it remembers the last PSS reading.
 *
 * <p>RSS comes from the stat line the table already read, so it costs nothing extra. PSS reads one
 * {@code smaps_rollup} per member, about 30 times dearer. The screened mode reads PSS only when the
 * figure could have moved or could matter:
 *
 * <ul>
 *   <li>the RSS sum reached the limit ({@code screenBytes}): PSS decides, so no tree is ever ended
 *       on the RSS figure alone — a tree under its limit by RSS is under it by PSS, since a
 *       process's PSS never exceeds its RSS;
 *   <li>the member count changed, or the RSS sum moved by more than 1/16 since the last PSS
 *       reading: the tree grew or shrank.
 * </ul>
 *
 * Otherwise the last PSS figure stands. A steady tree thus costs one stat read per process per
 * sample, and every figure reported is a PSS figure.
 *
 * <p>Not thread-safe: used by the housekeeper thread only.
 */
public final class TreeMeter {
  private static final long PAGE_SIZE = Signals.pageSize();
  private static final int DRIFT_SHIFT = 4; // 1/16
  private static final boolean PSS_AVAILABLE = ProcFs.pssBytes(ProcessHandle.current().pid()) >= 0;

  private final MemoryAccounting accounting;
  private long pssAtLastRead = -1;
  private long rssAtLastRead;
  private int countAtLastRead;

  public TreeMeter(MemoryAccounting accounting) {
    this.accounting = accounting;
  }

  /**
   * One measurement of a tree.
   *
   * @param bytes the figure that counts, by {@code metric}
   * @param rssBytes the summed RSS, always read
   * @param fresh false when a screened PSS figure was carried over from an earlier reading
   * @param forkRefused true when this is the reading a process limit was judged on and the kernel,
   *     not the count, enforced the limit: it refused a fork at the cgroup's {@code pids.max}, and
   *     {@code processCount} is the tree's count at the last sample
   */
  public record Reading(
      long bytes,
      MemoryMetric metric,
      long rssBytes,
      int processCount,
      boolean fresh,
      boolean forkRefused) {

    /** A measurement of the tree, with no fork refused. */
    public Reading(
        long bytes, MemoryMetric metric, long rssBytes, int processCount, boolean fresh) {
      this(bytes, metric, rssBytes, processCount, fresh, false);
    }
  }

  /** Measures {@code members}; {@code screenBytes} is the limit the figure is checked against. */
  public Reading measure(List<ProcessInfo> members, long screenBytes) {
    long rss = 0;
    for (ProcessInfo p : members) {
      rss += p.rssPages() * PAGE_SIZE;
    }
    int count = members.size();
    switch (accounting) {
      case RSS:
        return new Reading(rss, MemoryMetric.RSS, rss, count, true);
      case PSS:
        return pss(members, rss);
      case RSS_SCREENED_PSS:
      default:
        boolean moved =
            pssAtLastRead < 0
                || count != countAtLastRead
                || Math.abs(rss - rssAtLastRead) > (rssAtLastRead >> DRIFT_SHIFT);
        if (rss >= screenBytes || moved) {
          return pss(members, rss);
        }
        return new Reading(pssAtLastRead, MemoryMetric.PSS, rss, count, false);
    }
  }

  private Reading pss(List<ProcessInfo> members, long rss) {
    if (!PSS_AVAILABLE) {
      // Kernels before 4.14 have no smaps_rollup: RSS is the best figure there is.
      return new Reading(rss, MemoryMetric.RSS, rss, members.size(), true);
    }
    long total = 0;
    for (ProcessInfo p : members) {
      // A member that is exiting or gone has no PSS to read: it holds nothing.
      total += Math.max(ProcFs.pssBytes(p.pid()), 0);
    }
    pssAtLastRead = total;
    rssAtLastRead = rss;
    countAtLastRead = members.size();
    return new Reading(total, MemoryMetric.PSS, rss, members.size(), true);
  }
}
