package dev.stockade.testing;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * A JVM that exits normally ({@code System.exit(0)}) while a task of its pool runs.
 *
 * <p>{@code ExitWhileATaskRuns on|off SECONDS FILE}: a pool with its shutdown hook on or off runs
 * {@code sleep SECONDS; touch FILE}; once the task runs, it prints {@code RUNNING} and exits. The
 * file exists afterwards only if the task was let finish.
 */
public final class ExitWhileATaskRuns {
  private ExitWhileATaskRuns() {}

  public static void main(String[] args) throws Exception {
    CommandPool pool =
        CommandPool.builder()
            .name("exit-while-running")
            .workers(1)
            .shutdownHook(args[0].equals("on"))
            .build();
    var unused = pool.run(Command.of("sh", "-c", "sleep " + args[1] + "; touch '" + args[2] + "'"));
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !pool.snapshot().workers().isEmpty());
    System.out.println("RUNNING");
    ChildJvmWatchdog.printDescendants();
    System.exit(0);
  }
}
