package dev.stockade;

/**
 * The worker running the task broke the Stockade protocol ({@code docs/protocol.md}): bad magic, an
 * unknown frame, a frame over {@code maxFrameSize}, a truncated frame, an answer to a task it was
 * not given, output after SHUTDOWN, or a result its {@link Codec} could not decode. Stockade ended
 * that worker's tree; the pool goes on.
 */
public final class WorkerProtocolException extends WorkerFailureException {
  /**
   * An exception for a worker that broke the protocol.
   *
   * @param taskLabel the label of the task it was running
   * @param violation what the worker did wrong
   * @param details the worker's tree as it ended
   */
  public WorkerProtocolException(String taskLabel, String violation, WorkerDetails details) {
    super(
        "worker "
            + details.workerId()
            + " broke the protocol while running task '"
            + taskLabel
            + "': "
            + violation,
        details);
  }
}
