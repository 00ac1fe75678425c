package dev.stockade.examples;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandResult;
import dev.stockade.EnvironmentNames;
import dev.stockade.MemoryLimitExceededException;
import dev.stockade.MemorySize;
import dev.stockade.PoolListener;
import dev.stockade.PoolSnapshot;
import dev.stockade.TaskEvent;
import dev.stockade.TaskTimeoutException;
import dev.stockade.TreeProcess;
import dev.stockade.WorkerSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Replays, in about five seconds, the incident Stockade exists for (see the README): a worker's
 * process tree that grew without limit, hung, and outlived everyone who tried to stop it.
 *
 * <p>Eight tasks run through a {@link CommandPool} of two workers, each task's whole tree capped at
 * 150 MiB and 3 s:
 *
 * <ul>
 *   <li><b>leak</b>: a shell that starts another {@code dd} holding a 40 MiB buffer every 0.3 s;
 *       the pool ends the tree as it crosses the cap ({@code MemoryLimitExceededException});
 *   <li><b>hang</b>: a shell and its {@code sleep 600}, both ignoring SIGTERM; the pool ends them
 *       at the deadline, SIGKILL after a 1 s grace ({@code TaskTimeoutException});
 *   <li><b>daemon</b>: a command that starts a double-forked {@code setsid} daemon and exits 0; the
 *       task succeeds and the pool ends the escaped daemon ({@link
 *       CommandResult#leftoverProcessesEnded()});
 *   <li><b>crash</b>: a shell that kills itself with SIGSEGV (a result with signal 11);
 *   <li>four small real jobs that succeed.
 * </ul>
 *
 * <p>It shows a live progress line, then a table of outcomes and, for each tree the pool ended, its
 * largest processes at that moment (who held the memory, what hung), then — after the pool is
 * closed — scans {@code /proc} for any live process of this run: one carrying this pool's {@code
 * STOCKADE_TAG} or this run's marker in its environment or command line. It exits 0 only if every
 * outcome is the expected one and no process is left behind. Needs only the JDK, /bin/sh and
 * coreutils; Linux only.
 *
 * <p>Run: {@code mvn -q -pl examples -am -DskipTests package exec:java}
 */
public final class IncidentReplay {
  private static final MemorySize LIMIT = MemorySize.ofMebibytes(150);
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /** One task of the batch and the outcome it must end with. */
  private record Task(String label, String script, String expected, boolean expectLeftovers) {}

  /** One line of the final table. */
  private record Row(
      Task task,
      String outcome,
      String reason,
      MemorySize peak,
      Duration took,
      int leftovers,
      List<TreeProcess> processes) {}

  /** The processes of a tree the pool ended that the table shows below it, largest first. */
  private static final int PROCESSES_SHOWN = 3;

  private IncidentReplay() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // keep output tidy
    }
    String runId =
        Long.toHexString(ProcessHandle.current().pid())
            + "-"
            + Long.toHexString(System.currentTimeMillis() & 0xffffffL);
    String marker = "stockade-demo-" + runId; // $0 of every shell, so it shows in cmdline
    String poolName = "incident-replay-" + runId;

    List<Task> tasks =
        List.of(
            new Task("hang (ignores SIGTERM)", "trap '' TERM; sleep 600", "TIMEOUT", false),
            new Task(
                "leak (+40 MiB / 0.3 s)",
                "while :; do dd if=/dev/zero of=/dev/null bs=40M count=1000000 2>/dev/null &"
                    + " sleep 0.3; done",
                "MEMORY LIMIT",
                false),
            new Task(
                "escaping daemon",
                "setsid -f sleep 600 </dev/null >/dev/null 2>&1; echo daemon started",
                "ok",
                true),
            new Task("crash", "ulimit -c 0; kill -SEGV $$", "signal 11 (SIGSEGV)", false),
            new Task("echo", "echo ok; sleep 0.3", "ok", false),
            new Task("sha256 of 8 MiB", "head -c 8M /dev/urandom | sha256sum", "ok", false),
            new Task("sort 100k numbers", "seq 100000 | sort -rn | head -n 1", "ok", false),
            new Task("count words", "seq 1 300000 | wc -w", "ok", false));

    // A failed future carries no duration; the listener's events do, for every task.
    Map<String, Duration> durations = new ConcurrentHashMap<>();
    PoolListener timer =
        new PoolListener() {
          @Override
          public void taskCompleted(TaskEvent e) {
            durations.put(e.label(), e.duration());
          }

          @Override
          public void taskFailed(TaskEvent e) {
            durations.put(e.label(), e.duration());
          }
        };

    List<CompletableFuture<CommandResult>> futures = new ArrayList<>();
    long startNanos = System.nanoTime();
    try (CommandPool pool =
        CommandPool.builder()
            .name(poolName)
            .workers(2)
            .memoryLimit(LIMIT)
            .taskTimeout(Duration.ofSeconds(3))
            .terminationGrace(Duration.ofSeconds(1))
            .sampleInterval(Duration.ofMillis(100))
            .listener(timer)
            .build()) {
      System.out.printf(
          "Incident replay: %d tasks, 2 workers, %s and 3 s per tree," + " containment: %s%n%n",
          tasks.size(), LIMIT, pool.snapshot().containment());
      for (Task t : tasks) {
        futures.add(
            pool.run(
                Command.of("sh", "-c", t.script(), marker)
                    .withLabel(t.label())
                    .withEnvironment("STOCKADE_DEMO_RUN", marker)));
      }
      showProgress(pool, futures);
    } // close(): returns once every tree is verified gone and every listener event has fired
    double seconds = (System.nanoTime() - startNanos) / 1e9;

    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      Task t = tasks.get(i);
      rows.add(row(t, futures.get(i), durations.getOrDefault(t.label(), Duration.ZERO)));
    }
    printTable(rows);
    System.out.printf(
        Locale.ROOT, "%nall %d tasks done in %.1f s; pool closed%n", rows.size(), seconds);

    List<String> problems = new ArrayList<>();
    for (Row r : rows) {
      boolean leftoversOk = r.task().expectLeftovers() == (r.leftovers() > 0);
      if (!r.outcome().equals(r.task().expected()) || !leftoversOk) {
        problems.add(
            "task '"
                + r.task().label()
                + "': expected "
                + r.task().expected()
                + (r.task().expectLeftovers() ? " with leftover processes ended" : "")
                + ", got "
                + r.outcome()
                + " ("
                + r.reason()
                + ")");
      }
    }
    List<String> others = new ArrayList<>();
    List<String> survivors = processesLeftBehind(poolName, marker, others);
    System.out.println(
        "processes left behind: "
            + survivors.size()
            + (others.isEmpty()
                ? ""
                : " (not counted: "
                    + others.size()
                    + (others.size() == 1 ? " process" : " processes")
                    + " of other Stockade pools on this machine)"));
    survivors.forEach(s -> problems.add("left behind: " + s));

    if (problems.isEmpty()) {
      System.out.println("every outcome as expected; nothing left running.");
      System.exit(0);
    }
    System.out.println("\nNOT AS EXPECTED:");
    problems.forEach(p -> System.out.println("  - " + p));
    System.exit(1);
  }

  /**
   * Rewrites one status line with \r until every future is complete, or gives up after {@link
   * #PATIENCE} (the pool's close() then ends what still runs, and the check fails).
   */
  private static void showProgress(CommandPool pool, List<CompletableFuture<CommandResult>> fs)
      throws InterruptedException, ExecutionException {
    CompletableFuture<Void> all =
        CompletableFuture.allOf(
            fs.stream().map(f -> f.handle((r, e) -> r)).toArray(CompletableFuture[]::new));
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      long done = fs.stream().filter(CompletableFuture::isDone).count();
      PoolSnapshot snap = pool.snapshot();
      long memory = snap.workers().stream().mapToLong(w -> w.memoryNow().toBytes()).sum();
      int processes = snap.workers().stream().mapToInt(WorkerSnapshot::processCountNow).sum();
      System.out.printf(
          "\r  done %d/%d   running %d   queued %d   tree memory %-10s" + "   processes %-3d",
          done,
          fs.size(),
          snap.workers().size(),
          snap.queuedTasks(),
          MemorySize.ofBytes(memory),
          processes);
      System.out.flush();
      try {
        all.get(200, TimeUnit.MILLISECONDS);
        System.out.printf("\r  done %d/%d%-80s%n%n", fs.size(), fs.size(), "");
        return;
      } catch (TimeoutException stillRunning) {
        // next update
      }
    }
    System.out.printf("%n  gave up waiting after %d s; closing the pool%n%n", PATIENCE.toSeconds());
  }

  /** Turns a completed future into a table row: what happened and why, in a few words. */
  private static Row row(Task task, CompletableFuture<CommandResult> future, Duration took)
      throws InterruptedException {
    try {
      CommandResult r = future.get();
      int left = r.leftoverProcessesEnded();
      String outcome = r.isSuccess() ? "ok" : r.exitStatus().toString();
      String reason;
      if (left > 0) {
        reason = "daemon left behind: " + left + (left == 1 ? " process" : " processes") + " ended";
      } else if (r.exitStatus().signal().isPresent()) {
        reason = "ended by a signal the pool did not send";
      } else {
        String out = r.isSuccess() ? r.stdout().lastLines(1) : r.stderr().lastLines(1);
        reason = (r.isSuccess() ? "printed: " : "stderr: ") + shorten(out.trim(), 38);
      }
      return new Row(task, outcome, reason, r.peakMemory(), r.duration(), left, List.of());
    } catch (ExecutionException e) {
      Throwable why = e.getCause();
      if (why instanceof MemoryLimitExceededException m) {
        return new Row(
            task,
            "MEMORY LIMIT",
            String.format(
                Locale.ROOT, "tree used %s (%s) > limit %s", m.observed(), m.metric(), m.limit()),
            m.details().peakMemory(),
            took,
            0,
            m.details().processesWhenEnded());
      }
      if (why instanceof TaskTimeoutException t) {
        return new Row(
            task,
            "TIMEOUT",
            "ran " + took.toMillis() + " ms > timeout " + t.timeout().toMillis() + " ms",
            t.details().peakMemory(),
            took,
            0,
            t.details().processesWhenEnded());
      }
      return new Row(
          task,
          why.getClass().getSimpleName(),
          shorten(String.valueOf(why.getMessage()), 48),
          MemorySize.ZERO,
          took,
          0,
          List.of());
    }
  }

  private static void printTable(List<Row> rows) {
    String format = "%-24s %-20s %-46s %10s %9s%n";
    System.out.printf(format, "task", "outcome", "reason", "peak tree", "duration");
    System.out.printf(
        format, "-".repeat(24), "-".repeat(20), "-".repeat(46), "-".repeat(10), "-".repeat(9));
    for (Row r : rows) {
      System.out.printf(
          format,
          r.task().label(),
          r.outcome(),
          r.reason(),
          r.peak().equals(MemorySize.ZERO) ? "-" : r.peak().toString(),
          r.took().toMillis() + " ms");
    }
    // Who held the memory, or what hung: each tree the pool ended, as it was at that moment.
    boolean first = true;
    for (Row r : rows) {
      if (r.processes().isEmpty()) {
        continue;
      }
      if (first) {
        System.out.println("\nthe trees the pool ended, as they were then (largest first):");
        first = false;
      }
      System.out.println("  " + r.task().label() + ":");
      r.processes().stream()
          .limit(PROCESSES_SHOWN)
          .forEach(p -> System.out.println("    " + shorten(p.toString(), 110)));
    }
  }

  /**
   * Every live (not zombie) process of this run: one whose environment carries this pool's {@code
   * STOCKADE_TAG} (its value starts with the pool's name) or the run's marker, or whose command
   * line holds the marker. Tagged processes of other pools (another program or build on the same
   * machine) are not this run's doing: they are only counted, in {@code others}.
   */
  private static List<String> processesLeftBehind(
      String poolName, String marker, List<String> others) throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        if (!dir.getFileName().toString().matches("[0-9]+")) {
          continue;
        }
        String environ = read(dir.resolve("environ"));
        String cmdline = read(dir.resolve("cmdline"));
        boolean ours =
            environ.contains("\0" + EnvironmentNames.TAG + "=" + poolName)
                || environ.startsWith(EnvironmentNames.TAG + "=" + poolName)
                || environ.contains(marker)
                || cmdline.contains(marker);
        boolean tagged =
            environ.startsWith(EnvironmentNames.TAG + "=")
                || environ.contains("\0" + EnvironmentNames.TAG + "=");
        if ((ours || tagged) && !read(dir.resolve("status")).contains("\nState:\tZ")) {
          (ours ? found : others)
              .add("pid " + dir.getFileName() + ": " + cmdline.replace('\0', ' ').trim());
        }
      }
    }
    return found;
  }

  /** The file's text, or "" when the process is gone or not ours to read. */
  private static String read(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException | SecurityException e) {
      return "";
    }
  }

  private static String shorten(String s, int max) {
    String line = s.replace('\n', ' ');
    return line.length() <= max ? line : line.substring(0, max - 3) + "...";
  }
}
