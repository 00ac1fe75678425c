package dev.stockade.internal.pool;

import dev.stockade.Command;
import dev.stockade.CommandResult;
import dev.stockade.MemorySize;
import dev.stockade.internal.engine.PoolTally;
import dev.stockade.internal.engine.PoolTask;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * One submitted command with its effective limits, and the future its caller holds. Cancelling the
 * future tells the pool, which removes a queued task or ends a running tree.
 */
final class CommandTask extends PoolTask<CommandResult> {
  final Command command;
  final MemorySize memoryLimit;
  volatile RunningCommand running;

  CommandTask(
      Command command,
      Duration timeout,
      MemorySize memoryLimit,
      PoolTally tally,
      Canceller<CommandTask> onCancel,
      Executor callbacks) {
    super(command.label(), timeout, tally, onCancel, callbacks, 0);
    this.command = command;
    this.memoryLimit = memoryLimit;
  }
}
