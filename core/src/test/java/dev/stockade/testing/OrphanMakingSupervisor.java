package dev.stockade.testing;

import dev.stockade.Codec;
import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandResult;
import dev.stockade.MemorySize;
import dev.stockade.WorkerPool;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JVM whose pools run trees that leave orphans — daemons that double-fork with {@code setsid -f}
 * or through a subshell, an orphan that dies while its task still runs, headless Chromium (whose
 * crashpad handlers double-fork, and whose children outlive the browser for a moment), and a JVM
 * worker's escapee — and that starts processes of its own through {@link ProcessBuilder} all along,
 * checking each one's exit code.
 *
 * <p>{@code OrphanMakingSupervisor subreaper|plain CHROMIUM|- MARKER}: {@code subreaper} makes the
 * JVM a child subreaper first. Prints {@code READY} once every tree is up (the orphans adopted),
 * closes its pools when a line {@code close} arrives on stdin and prints {@code CLOSED} once they
 * and its own processes ended, then, at the line {@code exit}, prints {@code OWN PROCESSES
 * <checked> WRONG <wrong>} and exits. The three daemons alive at {@code READY} run {@code sleep
 * MARKER}.
 */
public final class OrphanMakingSupervisor {
  private OrphanMakingSupervisor() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("subreaper")) {
      Subreaper.become();
    }
    String chromium = args[1];
    String marker = args[2];
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("PID " + ProcessHandle.current().pid() + " SUBREAPER " + Subreaper.isOn());

    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger checked = new AtomicInteger();
    AtomicInteger wrong = new AtomicInteger();
    Thread own =
        new Thread(
            () -> {
              while (!stop.get()) {
                try {
                  Process p = new ProcessBuilder("sh", "-c", "exit 42").start();
                  if (p.waitFor() != 42) {
                    wrong.incrementAndGet();
                  }
                  checked.incrementAndGet();
                  Thread.sleep(5);
                } catch (Exception e) {
                  wrong.incrementAndGet();
                }
              }
            },
            "own-processes");
    own.start();

    CommandPool commands =
        CommandPool.builder()
            .name("orphans-commands")
            .workers(8)
            .memoryLimit(MemorySize.ofGibibytes(2))
            .sampleInterval(Duration.ofMillis(50))
            .shutdownHook(false)
            .build();
    WorkerPool<String, String> workers =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .name("orphans-workers")
            .jvmWorker(MisbehavingHandler.class)
            .workers(1)
            .shutdownHook(false)
            .build();
    List<CompletableFuture<CommandResult>> finished = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      // Done at once, its daemon left behind: ended by the teardown, its zombie ours.
      finished.add(commands.run(Command.of("sh", "-c", "setsid -f sleep " + marker + "; exit 0")));
      finished.add(commands.run(Command.of("sh", "-c", "(sleep " + marker + " &); exit 0")));
    }
    // An orphan that dies while its task runs: reaped by a sample, not by the teardown.
    finished.add(commands.run(Command.of("sh", "-c", "setsid -f sleep 0.3; sleep 2")));
    List<CompletableFuture<?>> running = new ArrayList<>();
    running.add(
        commands.run(
            Command.of(
                "sh",
                "-c",
                "setsid -f sleep "
                    + marker
                    + "; (sleep "
                    + marker
                    + " &); exec sleep "
                    + marker
                    + "0")));
    if (!chromium.equals("-")) {
      running.add(
          commands.run(
              Command.of(
                      "sh",
                      "-c",
                      "exec "
                          + chromium
                          + " --headless"
                          + " --no-sandbox --disable-gpu --disable-quic --no-first-run"
                          + " --disable-background-networking --disable-component-update --disable-sync"
                          + " --remote-debugging-port=0 --user-data-dir=\"$TMPDIR/profile\" about:blank")
                  .withLabel("chromium")));
    }
    running.add(workers.submit("escape:" + marker));

    for (CompletableFuture<CommandResult> f : finished) {
      CommandResult r = f.get(60, TimeUnit.SECONDS);
      System.out.println("TASK " + r.exitStatus() + " ended " + r.leftoverProcessesEnded());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!commands.snapshot().workers().stream()
        .allMatch(w -> w.processCountNow() >= (w.label().contains("chromium") ? 8 : 3))) {
      if (System.nanoTime() > deadline) {
        System.out.println("NOT READY " + commands.snapshot());
        System.exit(1);
      }
      Thread.sleep(50);
    }
    System.out.println("READY");
    System.out.flush();

    await(in, "close");
    commands.close();
    workers.close();
    stop.set(true);
    own.join();
    System.out.println("CLOSED");
    System.out.flush();

    await(in, "exit");
    for (CompletableFuture<?> f : running) {
      System.out.println("RUNNING TASK ENDED " + f.isDone());
    }
    System.out.println("OWN PROCESSES " + checked.get() + " WRONG " + wrong.get());
    System.out.flush();
  }

  private static void await(BufferedReader in, String line) throws Exception {
    String read;
    while ((read = in.readLine()) != null) {
      if (read.equals(line)) {
        return;
      }
    }
    System.exit(3); // stdin closed: the test is gone
  }
}
