package dev.stockade.internal.lifeline;

import dev.stockade.ExitStatus;
import dev.stockade.internal.os.LaunchSpec;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessLauncher;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.internal.os.SpawnedProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This JVM's side of the lifeline: teardown that does not depend on the JVM being alive. One
 * {@link Watchdog} process per JVM, started with the first tree of any pool, is told of every
 * tree as it starts and ends; when this JVM dies — SIGKILL included — its pipe to the watchdog
 * closes and the watchdog ends every tree still running.
 *
 * <p>The watchdog's death is noticed when it happens — its exit is waited for, and a write to
 * its pipe that fails counts too — and logged at WARN; a replacement is started at once and told
 * of every live tree (with no live tree, at the next tree). A watchdog that keeps dying must not
 * become a fork loop: one that dies within {@value #SHORT_LIFE_SECONDS} s of its start (or fails
 * to start) counts as a failure; the second failure in a row waits 1 s before the next start,
 * each further one twice as long, and after {@value #MAX_FAILURES_IN_A_ROW} in a row the
 * lifeline gives up for the JVM's life and says so in the log and in {@link #describe()}. A
 * watchdog that lived longer starts the count afresh. Pools go on without it: their own
 * teardown does not need it.
 *
 * <p>Thread-safe; a message costs one write to a pipe.
 */
public final class Lifeline {
  private static final Logger log = LoggerFactory.getLogger(Lifeline.class);
  private static final int MAX_FAILURES_IN_A_ROW = 5;
  private static final long SHORT_LIFE_SECONDS = 60;
  private static final long FIRST_BACKOFF_MILLIS = 1000;
  private static final Lifeline INSTANCE = new Lifeline();

  private final Map<String, LifelineMessage> live = new LinkedHashMap<>();
  private SpawnedProcess watchdog;
  private long watchdogStartNanos;
  /** Watchdogs in a row that died soon after their start, or could not be started. */
  private int failuresInARow;
  private boolean restartScheduled;
  private boolean gaveUp;
  private String state = "not started (no tree yet)";

  private Lifeline() {}

  /** The lifeline of this JVM. */
  public static Lifeline get() {
    return INSTANCE;
  }

  /** Registers a tree that has just started; starts the watchdog if it is not running. */
  public synchronized void treeStarted(String tag, ProcessIdentity root, Path tempDirectory,
      List<Path> cgroups) {
    LifelineMessage message =
        LifelineMessage.tree(tag, root.pid(), root.startTime(), tempDirectory, cgroups);
    live.put(tag, message);
    if (watchdog != null) {
      send(message);
    } else if (!gaveUp && !restartScheduled) {
      start(); // tells it of every live tree, this one included
    }
  }

  /** Forgets a tree that was ended and verified gone. */
  public synchronized void treeEnded(String tag) {
    if (live.remove(tag) != null && watchdog != null) {
      send(LifelineMessage.gone(tag));
    }
  }

  /** One line for logs and snapshots: the watchdog's pid, or why there is none. */
  public synchronized String describe() {
    return state;
  }

  /** The watchdog's pid, or -1 if none runs. */
  public synchronized long watchdogPid() {
    return watchdog == null ? -1 : watchdog.pid();
  }

  private void send(LifelineMessage message) {
    try {
      write(List.of(message));
    } catch (IOException e) {
      ExitStatus status = watchdog.exit().getNow(null);
      replace(watchdog, status != null ? "died (" + status + ")"
          : "stopped reading its pipe (" + e + ")");
    }
  }

  private void start() {
    SpawnedProcess started = null;
    try {
      ProcessInfo self = ProcFs.readStat(ProcessHandle.current().pid());
      if (self == null) {
        throw new IOException("/proc/self/stat cannot be read");
      }
      started = ProcessLauncher.detect().launch(spec(self.identity()), reaper());
      watchdog = started;
      watchdogStartNanos = System.nanoTime();
      SpawnedProcess watched = started;
      // Waited for on a thread of its own, so a death is noticed when it happens, not at the
      // next tree: a pool of long-lived workers may start none for days.
      started.exit().whenCompleteAsync((status, failure) -> died(watched, status), reaper());
      write(new ArrayList<>(live.values()));
      state = "watchdog pid " + started.pid();
      log.debug("lifeline: {}", state);
    } catch (IOException | RuntimeException e) {
      if (started != null && watchdog == started) {
        replace(started, "could not be told of the trees (" + e + ")");
        return;
      }
      watchdog = null;
      failuresInARow++;
      String next = nextStart();
      state = "unavailable: " + e.getMessage();
      log.warn("the lifeline's watchdog could not be started ({}); {}", e.toString(), next);
      startOrSchedule();
    }
  }

  private synchronized void died(SpawnedProcess dead, ExitStatus status) {
    if (dead == watchdog) { // else its death was noticed already, through its pipe
      replace(dead, "died (" + (status == null ? "exit status unknown" : status) + ")");
    }
  }

  /** Counts the death of the running watchdog, says so, and starts another as the rules allow. */
  private void replace(SpawnedProcess dead, String how) {
    watchdog = null;
    long livedNanos = System.nanoTime() - watchdogStartNanos;
    boolean shortLife = livedNanos < TimeUnit.SECONDS.toNanos(SHORT_LIFE_SECONDS);
    failuresInARow = shortLife ? failuresInARow + 1 : 1;
    if (!dead.exit().isDone()) {
      // It is alive but cannot hear us (a descriptor closed under it): end it, so two
      // watchdogs never act on one JVM's death. Not reaped yet, so its pid is still its own.
      ProcessInfo info = ProcFs.readStat(dead.pid());
      if (info != null) {
        Signals.send(info.identity(), Signal.KILL);
      }
    }
    String next = nextStart();
    state = "not running: the watchdog (pid " + dead.pid() + ") " + how;
    log.warn("the lifeline's watchdog (pid {}) {} after {} ms; {}", dead.pid(), how,
        TimeUnit.NANOSECONDS.toMillis(livedNanos), next);
    startOrSchedule();
  }

  /** What {@link #startOrSchedule} will do, in words for the log. */
  private String nextStart() {
    if (failuresInARow >= MAX_FAILURES_IN_A_ROW) {
      return "it failed " + failuresInARow + " times in a row, so the lifeline gives up: trees"
          + " of this JVM will not be ended if it is killed";
    }
    if (live.isEmpty()) {
      return "another starts with the next tree";
    }
    long delay = backoffMillis();
    return (delay == 0 ? "another starts now" : "another starts in " + delay + " ms")
        + " and is told of " + live.size() + " live tree" + (live.size() == 1 ? "" : "s");
  }

  private void startOrSchedule() {
    if (failuresInARow >= MAX_FAILURES_IN_A_ROW) {
      gaveUp = true;
      state = "unavailable: the watchdog failed " + failuresInARow + " times in a row (" + state
          + ")";
      return;
    }
    if (live.isEmpty()) {
      return; // the next tree starts it
    }
    long delay = backoffMillis();
    if (delay == 0) {
      start();
      return;
    }
    restartScheduled = true;
    CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, reaper())
        .execute(this::scheduledStart);
  }

  private synchronized void scheduledStart() {
    restartScheduled = false;
    if (watchdog == null && !gaveUp && !live.isEmpty()) {
      start();
    }
  }

  /** None after one failure; then 1 s, 2 s, 4 s … */
  private long backoffMillis() {
    return failuresInARow <= 1 ? 0 : FIRST_BACKOFF_MILLIS << (failuresInARow - 2);
  }

  private void write(List<LifelineMessage> messages) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (LifelineMessage m : messages) {
      lines.append(m.toLine());
    }
    OutputStream pipe = watchdog.stdin();
    pipe.write(lines.toString().getBytes(StandardCharsets.UTF_8));
    pipe.flush();
  }

  private static LaunchSpec spec(ProcessIdentity supervisor) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> argv = List.of(java.toString(),
        // Small and quick: it reads a pipe, then scans /proc once.
        "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
        "-cp", System.getProperty("java.class.path"),
        Watchdog.class.getName(),
        Long.toString(supervisor.pid()), Long.toString(supervisor.startTime()));
    Map<String, String> environment = new HashMap<>(System.getenv());
    // A session of its own: a signal to this JVM's process group must not reach it.
    return new LaunchSpec(java, argv, environment, null, true, false, true);
  }

  private static Executor reaper() {
    return command -> {
      Thread t = new Thread(command, "stockade-lifeline-reaper");
      t.setDaemon(true);
      t.start();
    };
  }
}
