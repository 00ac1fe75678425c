package dev.stockade.internal.pool;

import dev.stockade.ExitStatus;
import dev.stockade.internal.engine.OutputTail;
import dev.stockade.internal.engine.SupervisedTree;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeMeter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A task whose tree is alive: the tree, its captured output, and why it is being ended. */
final class RunningCommand {
  private static final long EXIT_WAIT_SECONDS = 5;

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

  /**
   * Waits for both output streams to reach their end, after the teardown. A process still
   * holding a pipe then escaped the tree: it is ended too, and a pipe that stays held is no
   * longer read (see {@code PipeHolderSweep}).
   *
   * @return what ending such processes did, to add to the teardown's report
   */
  TeardownReport awaitOutput(Duration grace) {
    return tree.endOutput(CompletableFuture.allOf(stdout.drained(), stderr.drained()), grace)
        .ended();
  }

  /** The root's exit status; the root is dead after teardown, so this returns at once. */
  ExitStatus awaitExit() {
    try {
      return tree.process().exit().get(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // reported below as an unknown status; the teardown already logged any survivor
    }
    return ExitStatus.exited(-1);
  }
}
