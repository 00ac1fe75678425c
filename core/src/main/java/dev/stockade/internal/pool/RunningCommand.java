package dev.stockade.internal.pool;

import dev.stockade.internal.engine.LiveTree;
import dev.stockade.internal.engine.OutputTail;
import dev.stockade.internal.engine.SupervisedTree;

/** A task whose tree is alive: the tree and its captured output. */
final class RunningCommand extends LiveTree {
  final CommandTask task;
  final OutputTail stdout;
  final OutputTail stderr;

  RunningCommand(CommandTask task, SupervisedTree tree, OutputTail stdout, OutputTail stderr) {
    super(tree);
    this.task = task;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  @Override
  protected long memoryLimitBytes() {
    return task.memoryLimit.toBytes();
  }
}
