package dev.stockade.internal.pool;

import dev.stockade.Command;
import dev.stockade.CommandResult;
import dev.stockade.MemorySize;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One submitted command with its effective limits, and the future its caller holds. Cancelling
 * the future tells the pool, which removes a queued task or ends a running tree.
 */
final class CommandTask {
  final Command command;
  final Duration timeout;
  final MemorySize memoryLimit;
  final TaskFuture future;
  volatile RunningCommand running;

  CommandTask(Command command, Duration timeout, MemorySize memoryLimit, RealCommandPool pool) {
    this.command = command;
    this.timeout = timeout;
    this.memoryLimit = memoryLimit;
    this.future = new TaskFuture(this, pool);
  }

  String label() {
    return command.label();
  }

  /** The caller's future. Dependent stages are plain futures, so cancelling them ends nothing. */
  static final class TaskFuture extends CompletableFuture<CommandResult> {
    private final CommandTask task;
    private final RealCommandPool pool;

    TaskFuture(CommandTask task, RealCommandPool pool) {
      this.task = task;
      this.pool = pool;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        pool.cancelled(task, mayInterruptIfRunning);
      }
      return cancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }
  }
}
