package dev.stockade.internal.pool;

import dev.stockade.internal.engine.OutputTail;
import dev.stockade.internal.engine.SupervisedTree;
import dev.stockade.internal.os.TreeMeter;

/** A task whose tree is alive: the tree, its captured output, and why it is being ended. */
final class RunningCommand {
  final CommandTask task;
  final SupervisedTree tree;
  final OutputTail stdout;
  final OutputTail stderr;
  /** The reading that crossed the memory limit, when that is why the tree was ended. */
  volatile TreeMeter.Reading breach;

  RunningCommand(CommandTask task, SupervisedTree tree, OutputTail stdout, OutputTail stderr) {
    this.task = task;
    this.tree = tree;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}
