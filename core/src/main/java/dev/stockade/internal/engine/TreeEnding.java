package dev.stockade.internal.engine;

import dev.stockade.EndReason;
import dev.stockade.ExitStatus;
import dev.stockade.internal.os.TeardownReport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a tree's teardown went, the same for both pools: what the teardown (and the end of its
 * output) ended, whether its output was read to the end, and how its root exited.
 *
 * @param report what was ended, and what survived (should be nothing)
 * @param outputReadToEnd every stream was read to its end; false if one had to be abandoned
 * @param exit the root's exit status
 */
public record TreeEnding(TeardownReport report, boolean outputReadToEnd, ExitStatus exit) {
  private static final Logger log = LoggerFactory.getLogger(TreeEnding.class);
  private static final long EXIT_WAIT_SECONDS = 5;

  /**
   * Ends {@code tree} (SIGTERM, {@code grace}, SIGKILL), then waits for its output readers to reach
   * the end (a process still holding a pipe escaped the tree, and is ended too), then for the
   * root's exit status, and lets the tree's resources go. Logs at ERROR what survived.
   *
   * @param what names the tree's work in the log, such as {@code task 'x'} or {@code worker w1}
   * @param outputRead completes when every reader of the tree's output has stopped
   * @param afterKill runs once the tree is ended, before the output is awaited
   */
  public static TreeEnding of(
      String poolName,
      String what,
      SupervisedTree tree,
      Duration grace,
      CompletableFuture<?> outputRead,
      Runnable afterKill) {
    TeardownReport report;
    try {
      report = tree.end(grace);
    } catch (RuntimeException e) {
      log.error("[{}] teardown of {} failed", poolName, tree.workerId(), e);
      report = TeardownReport.NOTHING;
    }
    afterKill.run();
    PipeHolderSweep.Outcome output = tree.endOutput(outputRead, grace);
    report = report.and(output.ended());
    ExitStatus exit = exitStatus(tree);
    tree.release();
    if (!report.isComplete()) {
      log.error(
          "[{}] {} processes of {} survived teardown: {}",
          poolName,
          report.survivors().size(),
          what,
          report.survivors());
    }
    return new TreeEnding(report, output.readToEnd(), exit);
  }

  /**
   * The grace a tree ended for {@code reason} gets between SIGTERM and SIGKILL: none past its
   * memory or process limit, where it must not grow further while it is asked to stop.
   */
  static Duration graceFor(EndReason reason, Duration terminationGrace) {
    return reason == EndReason.MEMORY_LIMIT || reason == EndReason.PROCESS_LIMIT
        ? Duration.ZERO
        : terminationGrace;
  }

  /** The root's exit status; the root is dead after teardown, so this returns at once. */
  private static ExitStatus exitStatus(SupervisedTree tree) {
    try {
      return tree.process().exit().get(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // reported as an unknown status; the teardown already logged any survivor
    }
    return ExitStatus.exited(-1);
  }
}
