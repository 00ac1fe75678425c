package dev.stockade.testing;

import dev.stockade.Codec;
import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandResult;
import dev.stockade.WorkerPool;
import java.util.concurrent.TimeUnit;

/**
 * A supervising JVM, meant to run with a small heap, whose pool is flooded with {@value #MEBIBYTES}
 * MiB of output without a newline and must go on serving. It prints {@code SERVED …} and exits 0 if
 * it did, prints what went wrong and exits 1 if not; an {@code OutOfMemoryError} ends it with the
 * JVM's own code under {@code -XX:+ExitOnOutOfMemoryError}. Before it exits, it prints its lifeline
 * watchdog ({@link ChildJvmWatchdog}).
 *
 * <p>{@code FloodedSupervisor worker|command}: a {@link WorkerPool} whose worker writes to its
 * stderr, or a {@link CommandPool} whose command writes to its stdout and its stderr.
 */
public final class FloodedSupervisor {
  public static final int MEBIBYTES = 400;

  private FloodedSupervisor() {}

  public static void main(String[] args) {
    try {
      System.out.println(args[0].equals("worker") ? floodWorker() : floodCommand());
      ChildJvmWatchdog.print();
      System.exit(0);
    } catch (Throwable e) {
      System.out.println("FAILED: " + e);
      e.printStackTrace(System.out);
      ChildJvmWatchdog.print();
      System.exit(1);
    }
  }

  private static String floodWorker() throws Exception {
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .name("flooded-workers")
            .jvmWorker(MisbehavingHandler.class)
            .workers(1)
            .shutdownHook(false)
            .build()) {
      String before = pool.submit("pid").get(60, TimeUnit.SECONDS);
      String flooded = pool.submit("flood:" + MEBIBYTES).get(120, TimeUnit.SECONDS);
      String after = pool.submit("pid").get(60, TimeUnit.SECONDS);
      String echo = pool.submit("echo:still serving").get(60, TimeUnit.SECONDS);
      return "SERVED " + flooded + ", " + echo + ", same worker: " + before.equals(after);
    }
  }

  private static String floodCommand() throws Exception {
    long bytes = (long) MEBIBYTES << 20;
    try (CommandPool pool =
        CommandPool.builder().name("flooded-commands").workers(1).shutdownHook(false).build()) {
      CommandResult flood =
          pool.run(
                  Command.of(
                      "sh",
                      "-c",
                      "head -c " + bytes + " /dev/zero;" + " head -c " + bytes + " /dev/zero >&2"))
              .get(120, TimeUnit.SECONDS);
      if (flood.stdout().totalBytes() != bytes || flood.stderr().totalBytes() != bytes) {
        return "FAILED: counted "
            + flood.stdout().totalBytes()
            + " and "
            + flood.stderr().totalBytes()
            + " bytes, expected "
            + bytes
            + " each";
      }
      CommandResult next = pool.run(Command.of("echo", "still serving")).get(60, TimeUnit.SECONDS);
      return "SERVED "
          + flood.stdout().totalBytes()
          + " + "
          + flood.stderr().totalBytes()
          + " bytes, then "
          + next.stdout().text().trim();
    }
  }
}
