package dev.stockade.internal.pool;

import dev.stockade.CommandFailedException;
import dev.stockade.CommandResult;
import dev.stockade.EndReason;
import dev.stockade.ExitStatus;
import dev.stockade.WorkerDetails;
import dev.stockade.internal.engine.EndFailures;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * How an ended tree becomes the outcome its caller sees: the tree's own exit is a {@link
 * CommandResult} (or, if asked, a {@link CommandFailedException}); every ending Stockade caused is
 * the exception that names the cause ({@link EndFailures}).
 */
record CommandOutcome(CommandResult result, Throwable failure) {

  static CommandOutcome of(
      boolean failOnNonZeroExit,
      RunningCommand rc,
      EndReason reason,
      ExitStatus exit,
      WorkerDetails details,
      int leftoversEnded,
      EndFailures.Facts facts) {
    if (reason == EndReason.EXITED) {
      CommandResult result =
          new CommandResult(
              facts.label(),
              details.pid(),
              exit,
              rc.stdout.captured(),
              rc.stderr.captured(),
              facts.ran(),
              details.peakMemory(),
              details.peakMetric(),
              details.peakProcessCount(),
              leftoversEnded);
      return failOnNonZeroExit && !exit.isSuccess()
          ? new CommandOutcome(null, new CommandFailedException(result))
          : new CommandOutcome(result, null);
    }
    return new CommandOutcome(
        null,
        EndFailures.of(reason, facts)
            .orElseGet(
                () -> new CancellationException("task '" + facts.label() + "' was cancelled")));
  }

  void completeFuture(CompletableFuture<CommandResult> future) {
    if (failure == null) {
      future.complete(result);
    } else {
      future.completeExceptionally(failure);
    }
  }
}
