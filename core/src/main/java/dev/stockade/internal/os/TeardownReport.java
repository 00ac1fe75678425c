package dev.stockade.internal.os;

import java.time.Duration;
import java.util.List;

/**
 * What a teardown did.
 *
 * @param ended processes that were members and are now gone
 * @param survivors members still alive when verification gave up (should always be empty)
 * @param took wall time of the whole teardown
 */
public record TeardownReport(int ended, List<ProcessIdentity> survivors, Duration took) {
  public boolean isComplete() {
    return survivors.isEmpty();
  }
}
