package dev.stockade.internal.engine;

import dev.stockade.CommandFailedException;
import dev.stockade.InsufficientMemoryException;
import dev.stockade.PoolClosedException;
import dev.stockade.PoolSaturatedException;
import dev.stockade.PoolUnhealthyException;
import dev.stockade.TaskFailedException;
import dev.stockade.TaskOutcome;
import dev.stockade.TaskTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Which {@link TaskOutcome} a task's end is, from its failure and whether it had started. */
final class TaskOutcomes {
  private TaskOutcomes() {}

  /**
   * @param failure what the future completes with, or null for a result
   * @param started whether the task had reached a worker or a tree
   */
  static TaskOutcome of(Throwable failure, boolean started) {
    if (failure == null) {
      return TaskOutcome.COMPLETED;
    }
    Throwable f = unwrapped(failure);
    if (f instanceof CancellationException) {
      return TaskOutcome.CANCELLED;
    }
    if (f instanceof TaskTimeoutException) {
      return TaskOutcome.TIMED_OUT;
    }
    if (f instanceof TaskFailedException || f instanceof CommandFailedException) {
      return TaskOutcome.FAILED;
    }
    if (!started
        && (f instanceof PoolSaturatedException
            || f instanceof PoolClosedException
            || f instanceof PoolUnhealthyException
            || f instanceof InsufficientMemoryException)) {
      return TaskOutcome.REFUSED;
    }
    return TaskOutcome.ABORTED;
  }

  private static Throwable unwrapped(Throwable t) {
    Throwable f = t;
    while ((f instanceof CompletionException || f instanceof ExecutionException)
        && f.getCause() != null) {
      f = f.getCause();
    }
    return f;
  }
}
