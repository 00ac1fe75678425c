package dev.stockade;

/**
 * The pool's own machinery failed while it supervised the worker running the task: the thread that
 * drains the worker's stderr threw (for instance an {@code OutOfMemoryError} of this JVM, or a
 * logging backend's exception), and a worker whose output is not drained blocks on its next write
 * while it looks healthy. Stockade ended the worker's tree and starts a replacement. The worker is
 * not at fault: a task marked {@code withIdempotent(true)} runs again. {@link #getCause()} is what
 * the thread threw.
 */
public final class SupervisionFailedException extends WorkerFailureException {
  /**
   * An exception for a task whose worker was ended because the pool could not supervise it.
   *
   * @param taskLabel the task's label
   * @param cause what the pool's thread threw, or null if unknown
   * @param details the worker's tree as it ended
   */
  public SupervisionFailedException(String taskLabel, Throwable cause, WorkerDetails details) {
    super(
        "worker "
            + details.workerId()
            + " was ended while running task '"
            + taskLabel
            + "': the pool could no longer read its stderr ("
            + (cause == null ? "cause unknown" : cause.toString())
            + ")",
        details);
    if (cause != null) {
      initCause(cause);
    }
  }
}
