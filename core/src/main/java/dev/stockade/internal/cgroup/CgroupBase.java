package dev.stockade.internal.cgroup;

import dev.stockade.CgroupMode;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code stockade} directory of the chosen hierarchy (under v1: one per used controller), below
 * which every pool has a directory and every worker a group: {@code
 * <base>/stockade/<poolId>/<workerId>}. It was created and proved usable by {@link CgroupProbe};
 * pools only ever add and remove directories below it.
 *
 * <p>The pool and worker ids are checked to be single, plain path segments ({@code name@1234-5f3a},
 * {@code w1}); anything else is refused with an {@link IllegalArgumentException}.
 */
public interface CgroupBase {
  /** {@link CgroupMode#V2} or {@link CgroupMode#V1}. */
  CgroupMode mode();

  /**
   * The controllers worker groups get: under v2 those enabled below the base (memory, pids), under
   * v1 those mounted and writable (memory always; pids, freezer when present).
   */
  Set<String> controllers();

  /** Whether worker groups can be given a memory limit and report memory. */
  default boolean hasMemoryController() {
    return controllers().contains("memory");
  }

  /**
   * How a launching thread puts a root in a worker group without a shell prelude, where the version
   * allows it (v1); empty under v2.
   */
  default Optional<ThreadPlacement> threadPlacement() {
    return Optional.empty();
  }

  /**
   * Whether a worker group proven empty is kept for the pool's next tree: under v1, whose peak
   * ({@code memory.max_usage_in_bytes}) is reset by a write; not under v2, whose {@code
   * memory.peak} cannot be reset before Linux 6.12 and then only for one open file.
   */
  default boolean reusesGroups() {
    return false;
  }

  /** One line for logs and snapshots: the version, the controllers and where. */
  String description();

  /** The group of worker {@code workerId} of pool {@code poolId}; not created yet. */
  WorkerCgroup worker(String poolId, String workerId);

  /**
   * The pool directories under the base now (under v1: in any used hierarchy), sorted. Which of
   * them a dead run left behind is the caller's decision, from the pid in each id.
   */
  Set<String> poolIds() throws IOException;

  /**
   * Ends every process in every worker group of pool {@code poolId} and removes the worker groups
   * and the pool directory, waiting at most {@code bound} for each group to empty. A pool that has
   * no directory is already removed.
   *
   * @throws IOException if a directory remains, naming it
   */
  void removePool(String poolId, Duration bound) throws IOException;
}
