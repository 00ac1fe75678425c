package dev.stockade;

/**
 * Receives a pool's lifecycle events. Every method has a no-op default; event objects are built
 * only when a listener is registered.
 *
 * <p>Methods are called on the pool's own threads (housekeeper, spawner, teardown), so they
 * must be fast and must not block. They must not throw: an exception is caught, logged once per
 * call, and ignored.
 *
 * <p>For every task, {@link #taskStarted} is followed by exactly one of
 * {@link #taskCompleted} or {@link #taskFailed}; a task refused at admission or failed before
 * it started gets only {@link #taskFailed}. For every worker, {@link #workerStarted} is
 * followed by exactly one {@link #workerEnded}.
 */
public interface PoolListener {
  default void workerStarted(WorkerEvent event) {}

  default void workerEnded(WorkerEvent event) {}

  default void taskStarted(TaskEvent event) {}

  default void taskCompleted(TaskEvent event) {}

  default void taskFailed(TaskEvent event) {}

  /**
   * A {@link WorkerPool} worker has sent no heartbeat for longer than {@code heartbeatTimeout}
   * while its process tree kept using CPU — a long computation that keeps its runtime's
   * heartbeat thread from running, such as a Python C call that holds the GIL — so the pool
   * judged it busy, not hung, and leaves it to {@code taskTimeout} and {@code progressTimeout}
   * ({@code heardAgain} false); or such a worker sent a frame again ({@code heardAgain} true).
   * Each silence is reported once; it is followed by one event with {@code heardAgain} true or
   * by the worker's {@link #workerEnded} (for instance when its CPU use stops too, and it is
   * ended as hung).
   */
  default void workerBusyWithoutHeartbeat(BusyWorkerEvent event) {}

  /**
   * The memory available to the pool's JVM fell below {@code minFreeMemory}, the pool acted on
   * it (by its {@link MemoryPressurePolicy}), or the memory is available again.
   */
  default void memoryPressure(MemoryPressureEvent event) {}
}
