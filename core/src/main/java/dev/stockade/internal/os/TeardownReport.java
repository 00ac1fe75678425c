package dev.stockade.internal.os;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a teardown did.
 *
 * @param ended members the teardown sent SIGTERM or SIGKILL and that are now gone: the processes it
 *     ended. A process that ended by itself while the teardown ran is not counted.
 * @param survivors members still alive when verification gave up (should always be empty)
 * @param took wall time of the whole teardown
 */
public record TeardownReport(int ended, List<ProcessIdentity> survivors, Duration took) {
  /** An empty report: nothing was there to end. */
  public static final TeardownReport NOTHING = new TeardownReport(0, List.of(), Duration.ZERO);

  public boolean isComplete() {
    return survivors.isEmpty();
  }

  /** This report and a later one of the same tree, added up. */
  public TeardownReport and(TeardownReport later) {
    List<ProcessIdentity> all = new ArrayList<>(survivors);
    all.addAll(later.survivors);
    return new TeardownReport(ended + later.ended, List.copyOf(all), took.plus(later.took));
  }
}
