package dev.stockade;

/**
 * Receives a pool's lifecycle events. Every method has a no-op default; event objects are built
 * only when a listener is registered.
 *
 * <p><b>Threads.</b> Events are delivered one at a time, in the order they happened, on the pool's
 * callback executor: its own {@code stockade-<pool>-callback-N} threads, or the executor given to
 * {@code callbackExecutor}. Never on a thread that reads a worker, reaps a process or keeps time,
 * and never on the thread of a call into the pool ({@code submit}, {@code run}, {@code cancel},
 * {@code close}): an executor that would run the event on the thread that hands it over is
 * overridden, and the pool's own threads deliver it.
 *
 * <p><b>Order with the future.</b> A listener never delays a task: a task's end ({@link
 * #taskCompleted} or {@link #taskFailed}) is delivered <i>after</i> its future was completed, once
 * every earlier event was delivered. A caller whose {@code get()} has returned may find the event
 * not delivered yet; a count kept by a listener catches up within the time the callback executor
 * takes to run it. Keep a listener fast all the same: at most 65,536 events wait for a listener
 * that does not keep up, and later ones are dropped with a warning. Whatever a listener throws, an
 * {@link Error} included, is logged and ignored. {@code close()} waits up to 5 s for the events of
 * the pool's last moments to be delivered.
 *
 * <p><b>Tasks.</b> Every task gets exactly one end: {@link #taskCompleted} or {@link #taskFailed}.
 * A task that reached a worker gets exactly one {@link #taskStarted} before it, however many
 * attempts it took (an idempotent task retried after a crash starts once); a task refused at
 * admission, shed, or cancelled while queued gets only its end. The end comes when nothing of the
 * task runs any more: for a cancelled task — whose future completes at once, as the {@code Future}
 * contract requires — {@link #taskFailed} with a {@link java.util.concurrent.CancellationException}
 * comes once its process tree is gone ({@code CommandPool}) or its worker has answered or been
 * ended ({@code WorkerPool}); that is the signal that a cancelled task has stopped.
 *
 * <p><b>Workers.</b> For every worker, {@link #workerStarted} is followed by exactly one {@link
 * #workerEnded}.
 */
public interface PoolListener {
  /**
   * A worker's process tree was started.
   *
   * @param event the worker
   */
  default void workerStarted(WorkerEvent event) {}

  /**
   * A worker's process tree has ended, whatever ended it.
   *
   * @param event the worker and why it ended
   */
  default void workerEnded(WorkerEvent event) {}

  /**
   * A task was handed to a worker.
   *
   * @param event the task
   */
  default void taskStarted(TaskEvent event) {}

  /**
   * A task ended with a result.
   *
   * @param event the task
   */
  default void taskCompleted(TaskEvent event) {}

  /**
   * A task ended without a result: it failed, was refused, shed or cancelled.
   *
   * @param event the task and its failure
   */
  default void taskFailed(TaskEvent event) {}

  /**
   * A {@link WorkerPool} worker has sent no heartbeat for longer than {@code heartbeatTimeout}
   * while its process tree kept using CPU — a long computation that keeps its runtime's heartbeat
   * thread from running, such as a Python C call that holds the GIL — so the pool judged it busy,
   * not hung, and leaves it to {@code taskTimeout} and {@code progressTimeout} ({@code heardAgain}
   * false); or such a worker sent a frame again ({@code heardAgain} true). Each silence is reported
   * once; it is followed by one event with {@code heardAgain} true or by the worker's {@link
   * #workerEnded} (for instance when its CPU use stops too, and it is ended as hung).
   *
   * @param event the worker and whether it was heard again
   */
  default void workerBusyWithoutHeartbeat(BusyWorkerEvent event) {}

  /**
   * The memory available to the pool's JVM fell below {@code minFreeMemory}, the pool acted on it
   * (by its {@link MemoryPressurePolicy}), or the memory is available again.
   *
   * @param event the memory reading and what the pool did
   */
  default void memoryPressure(MemoryPressureEvent event) {}

  /**
   * The pool's {@link ProcessPool#health() health} changed: a {@link HealthProblem} appeared or
   * went away. The pool looks once every {@code sampleInterval}, so a problem shorter than that may
   * go unheard; {@link ProcessPool#health()} always answers for the moment it is called.
   *
   * @param event the health before and now
   */
  default void healthChanged(HealthEvent event) {}
}
