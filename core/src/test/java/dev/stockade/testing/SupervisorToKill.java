package dev.stockade.testing;

import dev.stockade.Codec;
import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandResult;
import dev.stockade.MemorySize;
import dev.stockade.WorkerPool;
import dev.stockade.WorkerState;
import dev.stockade.internal.lifeline.Lifeline;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A supervising JVM for a test to SIGKILL: it starts a pool of command trees that do not end by
 * themselves — one that double-forks a daemon into a session of its own, one that ignores SIGTERM,
 * and, given Chromium's path, a headless browser started in a new session (as puppeteer starts it)
 * — and a pool of busy JVM workers; prints {@code READY} once every tree is up and the lifeline
 * runs, and waits to be killed. None of its trees ends or is replaced while it waits, so no tree
 * starts after {@code READY}. It prints {@code WATCHDOG PID} whenever its lifeline names another
 * watchdog (once that watchdog has been told of every live tree and said it is ready).
 *
 * <p>{@code SupervisorToKill CHROMIUM|- [SECONDS]}: with {@code SECONDS} (a unique number, such as
 * {@link TestProcesses#uniqueSleepSeconds()}), every tree carries it in a command line — the sleeps
 * as their argument, the JVM workers as a system property — so a test can find them without the
 * library's tag reader.
 */
public final class SupervisorToKill {
  private SupervisorToKill() {}

  /** A tree that ends before the kill spoils the test: say how, so its failure says why. */
  private static void report(CompletableFuture<?> future) {
    var unused =
        future.whenComplete(
            (result, failure) ->
                System.out.println(
                    "ENDED EARLY: "
                        + (failure == null
                            ? result
                                + " "
                                + (result instanceof CommandResult r ? r.stderr().text() : "")
                            : failure)));
  }

  private static void reportWatchdogs() {
    Thread reporter =
        new Thread(
            () -> {
              long reported = -1;
              while (true) {
                long pid = Lifeline.get().status().watchdogPid().orElse(-1);
                if (pid > 0 && pid != reported) {
                  reported = pid;
                  System.out.println("WATCHDOG " + pid);
                  System.out.flush();
                }
                try {
                  Thread.sleep(20);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "watchdog-reporter");
    reporter.setDaemon(true);
    reporter.start();
  }

  public static void main(String[] args) throws Exception {
    boolean chromium = !args[0].equals("-");
    String seconds = args.length > 1 ? args[1] : "600";
    reportWatchdogs();
    CommandPool commands =
        CommandPool.builder()
            .name("lifeline-commands")
            .workers(4)
            .memoryLimit(MemorySize.ofGibibytes(2))
            .build();
    report(
        commands.run(
            Command.of("sh", "-c", "setsid -f sleep " + seconds + "; exec sleep " + seconds)));
    report(
        commands.run(
            Command.of(
                "sh", "-c", "trap '' TERM; sleep " + seconds + " & sleep " + seconds + "; wait")));
    if (chromium) {
      report(
          commands.run(
              Command.of(
                  "sh",
                  "-c",
                  "setsid "
                      + args[0]
                      + " --headless --no-sandbox"
                      + " --disable-gpu --disable-quic --no-first-run --disable-background-networking"
                      + " --disable-component-update --disable-sync --remote-debugging-port=0"
                      + " --user-data-dir=\"$TMPDIR/profile\""
                      + " about:blank & wait")));
    }
    WorkerPool<String, String> workers =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .name("lifeline-workers")
            .jvmWorker(ScriptedHandler.class)
            .workers(2)
            .jvmOptions(List.of("-Dstockade.test.seconds=" + seconds))
            .build();
    report(workers.submit("spin"));
    report(workers.submit("sleep:600000"));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      boolean commandsUp =
          commands.snapshot().workers().size() == (chromium ? 3 : 2)
              && commands.snapshot().workers().stream().allMatch(w -> w.processCountNow() >= 2)
              && (!chromium
                  || commands.snapshot().workers().stream()
                      .anyMatch(w -> w.processCountNow() >= 8));
      boolean workersBusy =
          workers.snapshot().workers().size() == 2
              && workers.snapshot().workers().stream().allMatch(w -> w.state() == WorkerState.BUSY);
      if (commandsUp && workersBusy && commands.snapshot().lifeline().running()) {
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      Thread.sleep(50);
    }
    System.out.println("NOT READY: " + commands.snapshot() + " " + workers.snapshot());
    System.exit(1);
  }
}
