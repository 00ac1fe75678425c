package dev.stockade.internal.workers;

import dev.stockade.WorkerStartException;

/**
 * Why a worker failed to start: the reason (program, directory, what went wrong), the underlying
 * exception if any, and what the worker last wrote to stderr. Each task it fails gets a {@link
 * WorkerStartException} of its own, naming the task.
 */
record StartFailure(String reason, Throwable cause, String stderrTail) {

  /** The failure as an exception whose message starts with {@code prefix}. */
  WorkerStartException exception(String prefix) {
    return new WorkerStartException(prefix + reason, cause, stderrTail);
  }

  /** The reason and the stderr tail, for messages that name the last failure. */
  String describe() {
    return stderrTail.isEmpty() ? reason : reason + "; last stderr lines:\n" + stderrTail;
  }
}
