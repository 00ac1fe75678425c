package dev.stockade.internal.lifeline;

import dev.stockade.internal.os.LaunchSpec;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessLauncher;
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
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This JVM's side of the lifeline: teardown that does not depend on the JVM being alive. One
 * {@link Watchdog} process per JVM, started with the first tree of any pool, is told of every
 * tree as it starts and ends; when this JVM dies — SIGKILL included — its pipe to the watchdog
 * closes and the watchdog ends every tree still running.
 *
 * <p>A watchdog that dies is started again at the next tree, and told of every live tree; after
 * {@value #MAX_STARTS} starts the lifeline gives up and says so in the log and in
 * {@link #describe()}. Pools go on without it: their own teardown does not need it.
 *
 * <p>Thread-safe; a message costs one write to a pipe.
 */
public final class Lifeline {
  private static final Logger log = LoggerFactory.getLogger(Lifeline.class);
  private static final int MAX_STARTS = 5;
  private static final Lifeline INSTANCE = new Lifeline();

  private final Map<String, LifelineMessage> live = new LinkedHashMap<>();
  private SpawnedProcess watchdog;
  private int starts;
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
    send(message);
  }

  /** Forgets a tree that was ended and verified gone. */
  public synchronized void treeEnded(String tag) {
    if (live.remove(tag) != null && isRunning()) {
      send(LifelineMessage.gone(tag));
    }
  }

  /** One line for logs and snapshots: the watchdog's pid, or why there is none. */
  public synchronized String describe() {
    return state;
  }

  /** The watchdog's pid, or -1 if none runs. */
  public synchronized long watchdogPid() {
    return isRunning() ? watchdog.pid() : -1;
  }

  private boolean isRunning() {
    return watchdog != null && !watchdog.exit().isDone();
  }

  private void send(LifelineMessage message) {
    if (!isRunning()) {
      start(); // tells it of every live tree, this one included
      return;
    }
    try {
      write(List.of(message));
    } catch (IOException e) {
      log.warn("the lifeline's watchdog (pid {}) stopped reading ({}); starting another",
          watchdog.pid(), e.toString());
      start();
    }
  }

  private void start() {
    if (starts >= MAX_STARTS) {
      if (watchdog != null) {
        // Its last start ran but it died since: say so once, then stop trying.
        log.warn("the lifeline's watchdog (pid {}) died {} times; trees of this JVM will not be"
            + " ended if it is killed", watchdog.pid(), MAX_STARTS);
        state = "unavailable: the watchdog died " + MAX_STARTS + " times (last exit "
            + watchdog.exit().getNow(null) + ")";
        watchdog = null;
      }
      return;
    }
    starts++;
    try {
      ProcessInfo self = ProcFs.readStat(ProcessHandle.current().pid());
      if (self == null) {
        throw new IOException("/proc/self/stat cannot be read");
      }
      watchdog = ProcessLauncher.detect().launch(spec(self.identity()), reaper());
      write(new ArrayList<>(live.values()));
      state = "watchdog pid " + watchdog.pid();
      log.debug("lifeline: {}", state);
    } catch (IOException | RuntimeException e) {
      watchdog = null;
      state = "unavailable: " + e.getMessage();
      log.warn("the lifeline's watchdog could not be started ({}); trees of this JVM will not be"
          + " ended if it is killed{}", e.toString(),
          starts < MAX_STARTS ? "" : " (gave up after " + MAX_STARTS + " starts)");
    }
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
