package dev.stockade.internal.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work a pool starts for later and whose future nobody waits for: a timer's task, or a step chained
 * on a process's exit. Such a future would keep a failure to itself, and a bug in the step would
 * leave a task or a worker unsettled without a word; here the failure is logged.
 */
public final class Unawaited {
  private static final Logger log = LoggerFactory.getLogger(Unawaited.class);

  private Unawaited() {}

  /**
   * Logs the failure of {@code work}, a step nobody waits for.
   *
   * @param what names the step in the log, with its pool: {@code "[pool] what"}
   */
  public static void logFailure(CompletableFuture<?> work, String poolName, String what) {
    // The handler logs and returns normally, so its own future never fails: nothing to keep.
    var unused =
        work.whenComplete(
            (ignored, failure) -> {
              if (failure != null) {
                log.error("[{}] {} failed", poolName, what, failure);
              }
            });
  }

  /**
   * Runs {@code work} on {@code timer} after {@code delay}, logging a failure.
   *
   * @throws RejectedExecutionException if the timer is shut down
   */
  public static void schedule(
      ScheduledExecutorService timer,
      long delay,
      TimeUnit unit,
      String poolName,
      String what,
      Runnable work) {
    // The task logs its own failure, so the timer's future never holds one: nothing to keep.
    var unused =
        timer.schedule(
            () -> {
              try {
                work.run();
              } catch (RuntimeException | Error e) {
                log.error("[{}] {} failed", poolName, what, e);
              }
            },
            delay,
            unit);
  }
}
