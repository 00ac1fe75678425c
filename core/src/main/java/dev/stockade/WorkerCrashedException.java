package dev.stockade;

/**
 * The worker running the task died by itself — it exited, or was killed by a signal Stockade did
 * not send (the kernel's OOM killer, an operator's {@code kill -9}) — or was ended for another
 * task's sake while this one ran (the message then says which). Only this task fails; the pool
 * starts a replacement. {@link WorkerDetails#exitStatus()} says how it ended and {@link
 * WorkerDetails#stderrTail()} what it last said.
 */
public final class WorkerCrashedException extends WorkerFailureException {
  /**
   * An exception for a worker that died by itself; the message gives its exit status.
   *
   * @param taskLabel the label of the task it was running
   * @param details the worker's tree as it ended
   */
  public WorkerCrashedException(String taskLabel, WorkerDetails details) {
    super(
        "worker "
            + details.workerId()
            + " died while running task '"
            + taskLabel
            + "': "
            + details.exitStatus().map(Object::toString).orElse("exit status unknown"),
        details);
  }

  /**
   * A worker that did not die by itself: {@code why} says what ended it.
   *
   * @param taskLabel the label of the task it was running
   * @param why what ended the worker
   * @param details the worker's tree as it ended
   */
  public WorkerCrashedException(String taskLabel, String why, WorkerDetails details) {
    super(
        "worker " + details.workerId() + " ended while running task '" + taskLabel + "': " + why,
        details);
  }
}
