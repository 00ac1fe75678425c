package dev.stockade.internal.lifeline;

import dev.stockade.internal.os.PidCounter;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeMembership;
import dev.stockade.internal.os.TreeTeardown;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ends trees whose supervisor is gone, each known by its tag and a root (which may have exited
 * already: its session, group and tag still lead to the rest). No grace: nobody waits for their
 * output any more. Scans are full, since nothing is known of the pid counter since the spawn.
 */
final class OrphanedTrees {
  private OrphanedTrees() {}

  /** Ends the tree of each tag in {@code roots}; the report adds theirs up. */
  static TeardownReport endAll(Map<String, ProcessIdentity> roots, TagIndex tags) {
    long start = System.nanoTime();
    int ended = 0;
    List<ProcessIdentity> survivors = new ArrayList<>();
    for (Map.Entry<String, ProcessIdentity> tree : roots.entrySet()) {
      TreeMembership membership =
          new TreeMembership(tree.getValue(), tree.getKey(), PidCounter.ALWAYS_FULL);
      TeardownReport report = new TreeTeardown(membership, tags).end(Duration.ZERO);
      ended += report.ended();
      survivors.addAll(report.survivors());
    }
    return new TeardownReport(ended, survivors, Duration.ofNanos(System.nanoTime() - start));
  }
}
