package dev.stockade.shapes.app;

import dev.stockade.Codec;
import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.WorkerPool;
import dev.stockade.WorkerState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An application as a user writes one: a {@link WorkerPool} of JVM workers running its own {@link
 * AppHandler}, and a {@link CommandPool} tree that leaves a daemon in a session of its own, both
 * requiring the lifeline. It prints {@code ANSWER}, {@code WHERE}, {@code NATIVE} and {@code
 * LIFELINE} lines, then {@code READY} once both workers are busy and the daemon runs, and waits to
 * be killed. The environment variable {@code STOCKADE_TEST_MARKER} is passed on to every worker's
 * command line too ({@code -Dshapes.marker=…}).
 */
public final class ShapesApp {
  private ShapesApp() {}

  public static void main(String[] args) throws Exception {
    String marker = System.getenv().getOrDefault("STOCKADE_TEST_MARKER", "none");
    WorkerPool<String, String> workers =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .name("shapes-workers")
            .jvmWorker(AppHandler.class)
            .jvmOptions(List.of("-Dshapes.marker=" + marker))
            .workers(2)
            .requireLifeline(true)
            .build();
    CommandPool commands =
        CommandPool.builder().name("shapes-commands").workers(1).requireLifeline(true).build();
    System.out.println("ANSWER " + workers.submit("echo:hello").get(60, TimeUnit.SECONDS));
    System.out.println("WHERE " + workers.submit("where").get(60, TimeUnit.SECONDS));
    System.out.println("NATIVE " + workers.submit("native").get(60, TimeUnit.SECONDS));
    // These never end while the application runs: the loop below watches them through the pools.
    var unusedDaemon =
        commands.run(Command.of("/bin/sh", "-c", "setsid -f sleep 3600; exec sleep 3600"));
    var unusedFirst = workers.submit("sleep:3600000");
    var unusedSecond = workers.submit("sleep:3600000");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      boolean busy =
          workers.snapshot().workers().size() == 2
              && workers.snapshot().workers().stream().allMatch(w -> w.state() == WorkerState.BUSY);
      boolean daemon =
          commands.snapshot().workers().size() == 1
              && commands.snapshot().workers().get(0).processCountNow() >= 2;
      if (busy && daemon) {
        System.out.println("LIFELINE " + workers.snapshot().lifeline());
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Duration.ofHours(1).toMillis());
      }
      Thread.sleep(50);
    }
    System.out.println("NOT READY: " + workers.snapshot() + " " + commands.snapshot());
    System.exit(1);
  }
}
