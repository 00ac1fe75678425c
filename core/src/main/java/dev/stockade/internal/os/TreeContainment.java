package dev.stockade.internal.os;

import java.time.Duration;
import java.util.List;

/**
 * Keeps one worker's process tree together and ends it. One instance per tree. Implementations
 * differ in how membership is known (session, tag and tree walk; a cgroup), not in what the
 * engine asks of them, so the engine never knows which one serves it.
 */
public interface TreeContainment {
  /** Whether the root must start a session of its own. */
  boolean newSession();

  /** Called once the root process exists. */
  void attach(ProcessIdentity root);

  /** The lowest pid a member can have; a table for this tree may start there. */
  long pidFloor();

  /** The tree's live members in {@code table}, remembering new ones. */
  List<ProcessInfo> members(ProcessTable table);

  /** Ends every member, waiting at most {@code grace} after SIGTERM, and verifies. */
  TeardownReport end(Duration grace);
}
