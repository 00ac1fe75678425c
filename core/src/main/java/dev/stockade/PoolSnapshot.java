package dev.stockade;

import java.util.List;

/**
 * A pool at one moment: its counts and each live worker tree. Immutable.
 *
 * @param poolName the pool's name
 * @param containment how trees are contained on this machine, for instance {@code
 *     "session+tag+tree-walk"}
 * @param maxWorkers most trees alive at once
 * @param activeWorkers trees alive now (running or being torn down)
 * @param queuedTasks tasks waiting for a worker
 * @param queueCapacity most tasks that may wait
 * @param closed whether {@code close()} was called
 * @param workers the live worker trees
 * @param memory the memory the pool's JVM may use and has left, read when the snapshot was taken
 * @param lifeline the lifeline of the pool's JVM: whether its trees are ended if the JVM is killed,
 *     and if not, why
 */
public record PoolSnapshot(
    String poolName,
    String containment,
    int maxWorkers,
    int activeWorkers,
    int queuedTasks,
    int queueCapacity,
    boolean closed,
    List<WorkerSnapshot> workers,
    MemoryBudget memory,
    LifelineStatus lifeline) {

  /**
   * A snapshot; {@code workers} is copied.
   *
   * @param poolName the pool's name
   * @param containment how trees are contained on this machine
   * @param maxWorkers most trees alive at once
   * @param activeWorkers trees alive now
   * @param queuedTasks tasks waiting for a worker
   * @param queueCapacity most tasks that may wait
   * @param closed whether {@code close()} was called
   * @param workers the live worker trees
   * @param memory the memory the pool's JVM may use and has left
   * @param lifeline the lifeline of the pool's JVM
   */
  public PoolSnapshot {
    workers = List.copyOf(workers);
  }

  /**
   * {@code "pool 'x': active=2/2, queued=10/10, closed=false"}, for messages.
   *
   * @return the name and counts in one line
   */
  public String counts() {
    return "pool '"
        + poolName
        + "': active="
        + activeWorkers
        + "/"
        + maxWorkers
        + ", queued="
        + queuedTasks
        + "/"
        + queueCapacity
        + ", closed="
        + closed;
  }
}
