package dev.stockade.internal.pool;

import dev.stockade.Command;
import dev.stockade.CommandResult;
import dev.stockade.MemorySize;
import dev.stockade.internal.engine.CancelHookedFuture;
import java.time.Duration;

/**
 * One submitted command with its effective limits, and the future its caller holds. Cancelling
 * the future tells the pool, which removes a queued task or ends a running tree.
 */
final class CommandTask {
  final Command command;
  final Duration timeout;
  final MemorySize memoryLimit;
  final CancelHookedFuture<CommandResult> future;
  volatile RunningCommand running;

  CommandTask(Command command, Duration timeout, MemorySize memoryLimit, RealCommandPool pool) {
    this.command = command;
    this.timeout = timeout;
    this.memoryLimit = memoryLimit;
    this.future = new CancelHookedFuture<>(interrupt -> pool.cancelled(this, interrupt));
  }

  String label() {
    return command.label();
  }
}
