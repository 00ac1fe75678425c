package dev.stockade.internal.os;

import dev.stockade.MemoryAccounting;
import dev.stockade.MemoryMetric;
import java.util.List;

/**
 * Measures a tree's memory from the members of one table. RSS comes from the stat line the
 * table already read, so screening costs nothing extra; PSS reads one {@code smaps_rollup} per
 * member, about 30 times dearer, and is read only when the accounting asks for it.
 */
public final class TreeMeter {
  private static final long PAGE_SIZE = Signals.pageSize();

  private final MemoryAccounting accounting;

  public TreeMeter(MemoryAccounting accounting) {
    this.accounting = accounting;
  }

  /** One measurement of a tree. */
  public record Reading(long bytes, MemoryMetric metric, int processCount) {}

  /**
   * Measures {@code members}. With {@link MemoryAccounting#RSS_SCREENED_PSS}, PSS is read only
   * when the RSS sum reaches {@code screenBytes}: since PSS never exceeds RSS, a tree under the
   * threshold by RSS is under it by PSS too.
   */
  public Reading measure(List<ProcessInfo> members, long screenBytes) {
    long rss = 0;
    for (ProcessInfo p : members) {
      rss += p.rssPages() * PAGE_SIZE;
    }
    boolean pss = accounting == MemoryAccounting.PSS
        || (accounting == MemoryAccounting.RSS_SCREENED_PSS && rss >= screenBytes);
    if (!pss) {
      return new Reading(rss, MemoryMetric.RSS, members.size());
    }
    long total = 0;
    for (ProcessInfo p : members) {
      long bytes = ProcFs.pssBytes(p.pid());
      // A member that ended between the table and this read holds nothing; a kernel without
      // smaps_rollup gives -1 for all, and then RSS is the best figure there is.
      if (bytes < 0 && ProcFs.readStat(p.pid()) != null) {
        return new Reading(rss, MemoryMetric.RSS, members.size());
      }
      total += Math.max(bytes, 0);
    }
    return new Reading(total, MemoryMetric.PSS, members.size());
  }
}
