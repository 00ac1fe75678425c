package dev.stockade.worker;

/**
 * What a {@link Handler} may do besides computing its result: report progress (which keeps a pool's
 * {@code progressTimeout} from firing) and notice a cancel. A cancel also interrupts the task
 * thread, so blocking calls end with {@link InterruptedException}.
 */
public interface TaskContext {
  /**
   * The task's id within its worker.
   *
   * @return the id the pool sent with the task
   */
  long taskId();

  /**
   * Tells the pool the task is progressing; {@code note} may be empty or null. A note longer than
   * the pool's {@code maxFrameSize} in UTF-8 is cut to it, at a character boundary. Safe to call
   * from any thread: a note for a task that has been answered (say, from a thread the handler left
   * running) or after the worker was told to shut down is dropped, never sent.
   *
   * @param note a short word on where the task stands; may be empty or null
   * @return true if the note was sent, false if it was dropped
   */
  boolean progress(String note);

  /**
   * True once the pool asked for this task to be cancelled.
   *
   * @return whether a cancel arrived for this task
   */
  boolean isCancelled();
}
