package dev.stockade.internal.cgroup;

import dev.stockade.CgroupMode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code stockade} directory of a cgroup v2 hierarchy. It never holds a process (v2 allows
 * controllers only in groups without processes), and neither does a pool directory: processes live
 * only in worker groups, the leaves.
 */
final class V2CgroupBase implements CgroupBase {
  private final Path base;
  private final Set<String> controllers;
  private final String missingMemory;

  /**
   * @param controllers the controllers enabled in {@code base}'s {@code cgroup.subtree_control}
   * @param missingMemory why memory is not among them, for the description; null if it is
   */
  V2CgroupBase(Path base, Set<String> controllers, String missingMemory) {
    this.base = base;
    this.controllers = Set.copyOf(controllers);
    this.missingMemory = missingMemory;
  }

  @Override
  public CgroupMode mode() {
    return CgroupMode.V2;
  }

  @Override
  public Set<String> controllers() {
    return controllers;
  }

  @Override
  public String description() {
    if (!hasMemoryController()) {
      return "cgroup v2 (no memory controller) at "
          + base
          + (controllers.isEmpty() ? "" : " (" + String.join(", ", sorted()) + ")")
          + ": "
          + missingMemory;
    }
    return "cgroup v2 at " + base + " (" + String.join(", ", sorted()) + ")";
  }

  private Set<String> sorted() {
    // memory before pids reads as the order of importance; both are alphabetical too.
    return new TreeSet<>(controllers);
  }

  @Override
  public WorkerCgroup worker(String poolId, String workerId) {
    return new V2WorkerCgroup(poolDirectory(poolId), workerId, controllers);
  }

  private Path poolDirectory(String poolId) {
    return base.resolve(CgroupNames.requireSegment("poolId", poolId));
  }

  @Override
  public Set<String> poolIds() throws IOException {
    return CgroupNames.segmentsIn(base);
  }

  @Override
  public void removePool(String poolId, Duration bound) throws IOException {
    Path pool = poolDirectory(poolId);
    for (String workerId : CgroupFiles.childNames(pool)) {
      if (!CgroupNames.isSegment(workerId)) {
        continue; // not a name Stockade makes: the removal below fails if it holds processes
      }
      WorkerCgroup worker = new V2WorkerCgroup(pool, workerId, controllers);
      worker.killAll();
      worker.awaitEmpty(bound);
      worker.remove();
    }
    CgroupFiles.removeSubtree(pool, bound);
  }

  @Override
  public String toString() {
    return description();
  }
}
