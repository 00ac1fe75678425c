package dev.stockade.internal.pool;

import dev.stockade.Command;
import dev.stockade.CommandResult;
import dev.stockade.MemorySize;
import dev.stockade.internal.engine.PoolTask;
import dev.stockade.internal.engine.TaskFuture;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * One submitted command with its effective limits, and the future its caller holds. Cancelling
 * the future tells the pool, which removes a queued task or ends a running tree.
 */
final class CommandTask extends PoolTask<CommandResult> {
  final Command command;
  final Duration timeout;
  final MemorySize memoryLimit;
  private final TaskFuture<CommandResult> future;
  volatile RunningCommand running;

  CommandTask(Command command, Duration timeout, MemorySize memoryLimit, RealCommandPool pool,
      Executor callbacks) {
    this.command = command;
    this.timeout = timeout;
    this.memoryLimit = memoryLimit;
    this.future = new TaskFuture<>(interrupt -> pool.cancelled(this, interrupt), callbacks);
  }

  @Override
  public String label() {
    return command.label();
  }

  @Override
  public TaskFuture<CommandResult> future() {
    return future;
  }
}
