package dev.stockade.internal.os;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executor;

/**
 * Keeps one worker's process tree together and ends it. One instance per tree. Implementations
 * differ in how membership is known (session, tag and tree walk; a cgroup), not in what the engine
 * asks of them, so the engine never knows which one serves it.
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

  /**
   * What to launch for {@code spec}: the spec itself, or one that puts the root in the containment
   * before it execs the program. Called once, before the launch.
   *
   * @throws IOException if the containment cannot be made
   */
  default LaunchSpec prepare(LaunchSpec spec) throws IOException {
    return spec;
  }

  /**
   * Launches what {@link #prepare} returned, with {@code launcher}, on the calling (spawner)
   * thread; a containment that places the root from the launching thread does so around the launch.
   */
  default SpawnedProcess launch(ProcessLauncher launcher, LaunchSpec spec, Executor waiter)
      throws IOException {
    return launcher.launch(spec, waiter);
  }

  /** Undoes {@link #prepare} after a launch that failed. */
  default void discard() {}

  /**
   * The tree's memory as the kernel counts it (a cgroup's usage, page cache that can be dropped
   * excluded), or empty where the tree's memory must be summed from its processes.
   */
  default OptionalLong kernelMemoryBytes() {
    return OptionalLong.empty();
  }

  /**
   * How many tasks (processes and their threads, zombies not yet reaped included) the kernel counts
   * in the tree, read without listing its members; empty where the kernel keeps no such count. With
   * {@link #kernelMemoryBytes()}, what a sample of a quiet tree reads instead of its processes.
   */
  default OptionalLong kernelTaskCount() {
    return OptionalLong.empty();
  }

  /**
   * Whether this JVM adopts the tree's orphans: then {@link #members} also notes the members and
   * reaps the orphans that died, so the members must be read now and then even while the kernel's
   * counters show no change.
   */
  default boolean adoptsOrphans() {
    return false;
  }

  /** The highest {@link #kernelMemoryBytes()} the kernel recorded, page cache included. */
  default OptionalLong kernelMemoryPeakBytes() {
    return OptionalLong.empty();
  }

  /**
   * Which limit the kernel enforced on the tree, if any: {@code MEMORY} when it OOM-killed a
   * member, {@code PROCESSES} when it refused a fork; checked after a member died or each tick.
   */
  default KernelLimit kernelLimitHit() {
    return KernelLimit.NONE;
  }

  /** The directories of the tree's cgroup, for the lifeline; empty without one. */
  default List<Path> cgroupDirectories() {
    return List.of();
  }

  /** A limit the kernel enforces for a containment. */
  enum KernelLimit {
    NONE,
    MEMORY,
    PROCESSES
  }
}
