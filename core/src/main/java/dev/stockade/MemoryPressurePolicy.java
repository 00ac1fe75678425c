package dev.stockade;

/**
 * What a pool does when the memory available to its JVM's container falls below {@code
 * minFreeMemory} ({@link MemoryBudget#available()}): in every case it starts no new worker tree
 * until memory is available again, and tells its listener ({@link PoolListener#memoryPressure});
 * the policies differ in what happens to the work that needed one.
 */
public enum MemoryPressurePolicy {
  /** The tasks wait in the queue (their timeouts have not started) until memory is available. */
  QUEUE,
  /**
   * The tasks that needed a new worker fail at once with {@link InsufficientMemoryException}; tasks
   * an idle worker can take still run.
   */
  SHED,
  /**
   * As {@link #QUEUE}, and the pool also retires its largest idle persistent worker, one per
   * sample, to give the memory back. A {@link CommandPool} has no idle workers: it queues.
   */
  RECYCLE_LARGEST_IDLE
}
