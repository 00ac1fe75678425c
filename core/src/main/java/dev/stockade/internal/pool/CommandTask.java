package dev.stockade.internal.pool;

import dev.stockade.Command;
import dev.stockade.CommandResult;
import dev.stockade.MemorySize;
import dev.stockade.internal.engine.TaskFuture;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One submitted command with its effective limits, and the future its caller holds. Cancelling
 * the future tells the pool, which removes a queued task or ends a running tree. It reports one
 * end to the listener.
 */
final class CommandTask {
  final Command command;
  final Duration timeout;
  final MemorySize memoryLimit;
  final TaskFuture<CommandResult> future;
  volatile RunningCommand running;
  private final AtomicBoolean ended = new AtomicBoolean();

  CommandTask(Command command, Duration timeout, MemorySize memoryLimit, RealCommandPool pool,
      Executor callbacks) {
    this.command = command;
    this.timeout = timeout;
    this.memoryLimit = memoryLimit;
    this.future = new TaskFuture<>(interrupt -> pool.cancelled(this, interrupt), callbacks);
  }

  String label() {
    return command.label();
  }

  /** True the first time only: the task's one end. */
  boolean markEnded() {
    return ended.compareAndSet(false, true);
  }
}
