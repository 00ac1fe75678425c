package dev.stockade.internal.pool;

import dev.stockade.CommandFailedException;
import dev.stockade.CommandResult;
import dev.stockade.EndReason;
import dev.stockade.ExitStatus;
import dev.stockade.MemoryLimitExceededException;
import dev.stockade.MemorySize;
import dev.stockade.PoolClosedException;
import dev.stockade.TaskTimeoutException;
import dev.stockade.WorkerDetails;
import dev.stockade.internal.engine.ProcessLimitFailure;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * How an ended tree becomes the outcome its caller sees: the tree's own exit is a
 * {@link CommandResult} (or, if asked, a {@link CommandFailedException}); every ending Stockade
 * caused is the exception that names the cause.
 */
record CommandOutcome(CommandResult result, Throwable failure) {

  static CommandOutcome of(CommandPoolSettings settings, RunningCommand rc, EndReason reason,
      ExitStatus exit, WorkerDetails details, int leftoversEnded, Duration ran,
      String closedBy) {
    String label = rc.task.label();
    switch (reason) {
      case EXITED:
        CommandResult result = new CommandResult(label, details.pid(), exit,
            rc.stdout.captured(), rc.stderr.captured(), ran, details.peakMemory(),
            details.peakMetric(), details.peakProcessCount(), leftoversEnded);
        return settings.failOnNonZeroExit() && !exit.isSuccess()
            ? new CommandOutcome(null, new CommandFailedException(result))
            : new CommandOutcome(result, null);
      case TIMEOUT:
        return failed(new TaskTimeoutException(rc.task.timeout, ran, details));
      case MEMORY_LIMIT:
        return failed(new MemoryLimitExceededException(rc.task.memoryLimit,
            MemorySize.ofBytes(rc.breach.bytes()), rc.breach.metric(), details));
      case PROCESS_LIMIT:
        return failed(ProcessLimitFailure.of(label, settings.maxProcesses(), rc.breach,
            details));
      case POOL_CLOSED:
        return failed(new PoolClosedException("pool '" + settings.name() + "' " + closedBy
            + " while task '" + label + "' ran; its process tree (pid "
            + details.pid() + ") was ended"));
      case CANCELLED:
      default:
        return failed(new CancellationException("task '" + label + "' was cancelled"));
    }
  }

  private static CommandOutcome failed(Throwable failure) {
    return new CommandOutcome(null, failure);
  }

  void completeFuture(CompletableFuture<CommandResult> future) {
    if (failure == null) {
      future.complete(result);
    } else {
      future.completeExceptionally(failure);
    }
  }
}
