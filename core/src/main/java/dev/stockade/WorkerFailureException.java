package dev.stockade;

import java.util.Objects;

/**
 * A task failed because of what happened to the process tree running it. Carries the {@link
 * WorkerDetails}: pool, worker, pid, size, peak memory, the stderr tail and, when the pool ended
 * the tree for a limit or a timeout, its processes at that moment, largest first.
 */
public abstract class WorkerFailureException extends StockadeException {
  private final transient WorkerDetails details;

  /**
   * An exception whose message is followed by the worker's details and stderr tail.
   *
   * @param message what happened to the tree
   * @param details the tree as it ended
   */
  protected WorkerFailureException(String message, WorkerDetails details) {
    super(message + describe(details));
    this.details = Objects.requireNonNull(details, "details");
  }

  private static String describe(WorkerDetails details) {
    String listing = details.processListing();
    String processes =
        listing.isEmpty()
            ? ""
            : "; its processes when the pool ended it, largest first:\n" + listing.stripTrailing();
    String tail =
        details.stderrTail().isEmpty() ? "" : "; last stderr lines:\n" + details.stderrTail();
    return " [" + details + "]" + processes + tail;
  }

  /**
   * The facts about the tree that ran the task. Not serialized: null in a copy of this exception
   * that was deserialized.
   *
   * @return the worker's details
   */
  public WorkerDetails details() {
    return details;
  }
}
