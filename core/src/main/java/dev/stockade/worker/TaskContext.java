package dev.stockade.worker;

/**
 * What a {@link Handler} may do besides computing its result: report progress (which keeps a
 * pool's {@code progressTimeout} from firing) and notice a cancel. A cancel also interrupts the
 * task thread, so blocking calls end with {@link InterruptedException}.
 */
public interface TaskContext {
  /** The task's id within its worker. */
  long taskId();

  /** Tells the pool the task is progressing; {@code note} may be empty. */
  void progress(String note);

  /** True once the pool asked for this task to be cancelled. */
  boolean isCancelled();
}
