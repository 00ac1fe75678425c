package dev.stockade.internal.lifeline;

import dev.stockade.ExitStatus;
import dev.stockade.LifelineStatus;
import dev.stockade.internal.launch.JvmLaunch;
import dev.stockade.internal.launch.UnsupportedLaunchException;
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
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This JVM's side of the lifeline: teardown that does not depend on the JVM being alive. One {@link
 * Watchdog} process per JVM, started with the first tree of any pool, is told of every tree as it
 * starts and ends; when this JVM dies — SIGKILL included — its pipe to the watchdog closes and the
 * watchdog ends every tree still running.
 *
 * <p>The watchdog is started in this JVM's launch shape ({@link JvmLaunch}: class path, Spring Boot
 * jar, class-loader URLs or module path) and counts once it says {@link Watchdog#READY}, within 20
 * s (see {@link #READY_TIMEOUT_MILLIS}); one that dies before, or is not ready by then, is logged
 * at ERROR with what it wrote on stderr ("Could not find or load main class …"). A shape from which
 * no watchdog can be started makes the lifeline unavailable at once, at ERROR. {@link #status()}
 * says which, for snapshots; {@link #requireRunning()} makes it fatal.
 *
 * <p>The watchdog's death is noticed when it happens — its exit is waited for, and a write to its
 * pipe that fails counts too — and logged at WARN; a replacement is started at once and told of
 * every live tree (with no live tree, at the next tree). A watchdog that keeps dying must not
 * become a fork loop: one that dies within {@value #SHORT_LIFE_SECONDS} s of its start (or fails to
 * start) counts as a failure; the second failure in a row waits 1 s before the next start, each
 * further one twice as long, and after {@value #MAX_FAILURES_IN_A_ROW} in a row the lifeline gives
 * up for the JVM's life and says so in the log and in {@link #describe()}. A watchdog that lived
 * longer starts the count afresh. Pools go on without it: their own teardown does not need it.
 *
 * <p>Thread-safe; a message costs one write to a pipe.
 */
public final class Lifeline {
  private static final Logger log = LoggerFactory.getLogger(Lifeline.class);
  private static final int MAX_FAILURES_IN_A_ROW = 5;
  private static final long SHORT_LIFE_SECONDS = 60;
  private static final long FIRST_BACKOFF_MILLIS = 1000;

  /** A C library's file: glibc's {@code libc.so.6}, musl's {@code libc.musl-x86_64.so.1}. */
  private static final Pattern LIBC = Pattern.compile("/.*/libc(\\.so\\.[0-9]+|\\.musl-.*)");

  /** The system property that sets {@link #READY_TIMEOUT_MILLIS}, in milliseconds. */
  public static final String READY_TIMEOUT_PROPERTY = "dev.stockade.lifeline.readyTimeoutMillis";

  private static final long DEFAULT_READY_TIMEOUT_MILLIS = 20_000;

  /**
   * How long a new watchdog may take to say it is ready: a JVM's start on a loaded machine, 20 s
   * unless {@value #READY_TIMEOUT_PROPERTY} says otherwise (a container throttled to a fraction of
   * a CPU may start a JVM more slowly).
   */
  static final long READY_TIMEOUT_MILLIS = readyTimeoutMillis();

  /** How long a dead watchdog's stderr may take to reach its end, for its last words. */
  private static final long STDERR_END_MILLIS = 1000;

  private static final Lifeline INSTANCE = new Lifeline();

  private final Map<String, LifelineMessage> live = new LinkedHashMap<>();
  private StartedWatchdog watchdog;

  /** Why the last watchdog failed, for a {@link #requireRunning} that finds none. */
  private String lastFailure = "no watchdog was started yet";

  private long watchdogStartNanos;

  /** Watchdogs in a row that died soon after their start, or could not be started. */
  private int failuresInARow;

  private boolean restartScheduled;
  private boolean gaveUp;
  private static final String NOT_STARTED = "not started (no tree yet)";
  private String state = NOT_STARTED;

  private Lifeline() {}

  /** The lifeline of this JVM. */
  public static Lifeline get() {
    return INSTANCE;
  }

  /** Registers a tree that has just started; starts the watchdog if it is not running. */
  public void treeStarted(
      String tag, ProcessIdentity root, Path tempDirectory, List<Path> cgroups) {
    register(LifelineMessage.tree(tag, root.pid(), root.startTime(), tempDirectory, cgroups));
  }

  /** Registers a tree, or cgroups kept between trees ({@link LifelineCgroups}), by its tag. */
  synchronized void register(LifelineMessage message) {
    live.put(message.tag(), message);
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

  /**
   * True when no watchdog process exists though one was needed: it died or could not be started
   * (and may be restarting). False before the first tree, and while a watchdog starts.
   */
  public synchronized boolean isAbsent() {
    return watchdog == null && !state.equals(NOT_STARTED);
  }

  /** The lifeline now, for snapshots. */
  public synchronized LifelineStatus status() {
    boolean running = watchdog != null && watchdog.isReady();
    return new LifelineStatus(
        running, running ? OptionalLong.of(watchdog.pid()) : OptionalLong.empty(), state);
  }

  /**
   * Starts the watchdog now if none runs, even with no tree yet, and waits until it is ready, for
   * {@code requireLifeline(true)}.
   *
   * @throws IllegalStateException saying why, if it cannot be started or is not ready within {@link
   *     #READY_TIMEOUT_MILLIS}
   */
  public void requireRunning() {
    StartedWatchdog current;
    synchronized (this) {
      if (watchdog == null && !gaveUp && !restartScheduled) {
        start();
      }
      current = watchdog;
      if (current == null) {
        throw new IllegalStateException("the lifeline is not running: " + lastFailure);
      }
    }
    boolean ready;
    try {
      ready = current.awaitReady(READY_TIMEOUT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the lifeline's watchdog", e);
    }
    if (!ready) {
      // Its death (or its slowness) is handled, and logged, by the threads watching it.
      String why =
          current.process().exit().isDone()
              ? current.said(STDERR_END_MILLIS)
              : "not ready " + READY_TIMEOUT_MILLIS + " ms after" + " its start";
      throw new IllegalStateException(
          "the lifeline's watchdog (pid " + current.pid() + ") did not start: " + why);
    }
  }

  private void send(LifelineMessage message) {
    try {
      write(List.of(message));
    } catch (IOException e) {
      StartedWatchdog dead = watchdog;
      if (dead.isReady()) {
        ExitStatus status = dead.process().exit().getNow(null);
        replace(
            dead,
            status != null ? "died (" + status + ")" : "stopped reading its pipe (" + e + ")");
        return;
      }
      // Gone before it was ready: its stderr says why, so this report must carry it as the
      // report of its exit would have. Its stderr ends with it, and its exit follows.
      String said = dead.said(STDERR_END_MILLIS);
      ExitStatus status;
      try {
        status = dead.process().exit().get(STDERR_END_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        status = null;
      } catch (ExecutionException | TimeoutException notYet) {
        status = null;
      }
      replace(
          dead,
          (status != null ? "died (" + status + ")" : "stopped reading its pipe (" + e + ")")
              + " before it was ready; "
              + said);
    }
  }

  private void start() {
    ProcessInfo self = ProcFs.readStat(ProcessHandle.current().pid());
    LaunchSpec spec;
    try {
      spec = spec(self == null ? null : self.identity());
    } catch (UnsupportedLaunchException e) {
      // No retry can help: the way this JVM was started does not change.
      gaveUp = true;
      lastFailure = "the watchdog cannot be started: " + e.getMessage();
      state = "unavailable: " + lastFailure;
      log.error(
          "the lifeline's watchdog cannot be started, so trees of this JVM will not be "
              + "ended if it is killed: {}",
          e.getMessage());
      return;
    }
    SpawnedProcess started = null;
    try {
      if (self == null) {
        throw new IOException("/proc/self/stat cannot be read");
      }
      started = ProcessLauncher.detect().launch(spec, reaper());
      long pid = started.pid();
      StartedWatchdog watched =
          new StartedWatchdog(
              started, line -> log.warn("the lifeline's watchdog (pid {}) wrote: {}", pid, line));
      watchdog = watched;
      watchdogStartNanos = System.nanoTime();
      // Waited for on a thread of its own, so a death is noticed when it happens, not at the
      // next tree: a pool of long-lived workers may start none for days.
      logFailure(
          started
              .exit()
              .whenCompleteAsync(
                  (status, failure) ->
                      died(
                          watched,
                          status,
                          watched.isReady() ? null : watched.said(STDERR_END_MILLIS)),
                  reaper()),
          "noting the watchdog's death");
      logFailure(
          watched
              .ready()
              .thenAccept(
                  ready -> {
                    if (ready) {
                      becameReady(watched);
                    }
                  }),
          "noting the watchdog ready");
      CompletableFuture.delayedExecutor(READY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS, reaper())
          .execute(() -> notReadyInTime(watched));
      write(new ArrayList<>(live.values()));
      state = "watchdog pid " + pid + " (starting)";
      log.debug("lifeline: {}", state);
    } catch (IOException | RuntimeException e) {
      if (started != null && watchdog != null && watchdog.process() == started) {
        replace(watchdog, "could not be told of the trees (" + e + ")");
        return;
      }
      watchdog = null;
      failuresInARow++;
      String next = nextStart();
      lastFailure = "the watchdog could not be started (" + e + ")";
      state = "unavailable: " + lastFailure;
      log.error("the lifeline's watchdog could not be started ({}); {}", e.toString(), next);
      startOrSchedule();
    }
  }

  /**
   * {@value #READY_TIMEOUT_PROPERTY}, or the default. A value that is not a positive number of
   * milliseconds is reported at ERROR, naming it, and the default is used: this is read once, when
   * the first pool of the JVM is built, where throwing would fail that build.
   */
  private static long readyTimeoutMillis() {
    String value = System.getProperty(READY_TIMEOUT_PROPERTY);
    if (value == null || value.isBlank()) {
      return DEFAULT_READY_TIMEOUT_MILLIS;
    }
    try {
      long millis = Long.parseLong(value.trim());
      if (millis > 0) {
        return millis;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    log.error(
        "system property {} must be a positive number of milliseconds, but was '{}'; " + "using {}",
        READY_TIMEOUT_PROPERTY,
        value,
        DEFAULT_READY_TIMEOUT_MILLIS);
    return DEFAULT_READY_TIMEOUT_MILLIS;
  }

  private synchronized void becameReady(StartedWatchdog ready) {
    if (ready == watchdog) {
      state = "watchdog pid " + ready.pid();
      log.debug("lifeline: {}", state);
    }
  }

  private synchronized void notReadyInTime(StartedWatchdog slow) {
    if (slow == watchdog && !slow.isReady()) {
      replace(
          slow,
          "was not ready " + READY_TIMEOUT_MILLIS + " ms after its start (" + slow.said(0) + ")");
    }
  }

  /** Logs the failure of a step nobody waits for, which its own future would keep silent. */
  private static void logFailure(CompletableFuture<?> step, String what) {
    // The handler logs and returns normally, so its own future never fails: nothing to keep.
    var unused =
        step.whenComplete(
            (ignored, failure) -> {
              if (failure != null) {
                log.error("lifeline: {} failed", what, failure);
              }
            });
  }

  private synchronized void died(StartedWatchdog dead, ExitStatus status, String said) {
    if (dead == watchdog) { // else its death was noticed already, through its pipe
      String how = "died (" + (status == null ? "exit status unknown" : status) + ")";
      replace(dead, said == null ? how : how + " before it was ready; " + said);
    }
  }

  /** Counts the death of the running watchdog, says so, and starts another as the rules allow. */
  private void replace(StartedWatchdog dead, String how) {
    watchdog = null;
    boolean wasReady = dead.isReady();
    long livedNanos = System.nanoTime() - watchdogStartNanos;
    boolean shortLife = livedNanos < TimeUnit.SECONDS.toNanos(SHORT_LIFE_SECONDS);
    failuresInARow = shortLife ? failuresInARow + 1 : 1;
    if (!dead.process().exit().isDone()) {
      // It is alive but cannot hear us (a descriptor closed under it): end it, so two
      // watchdogs never act on one JVM's death. Not reaped yet, so its pid is still its own.
      ProcessInfo info = ProcFs.readStat(dead.pid());
      if (info != null) {
        Signals.send(info.identity(), Signal.KILL);
      }
    }
    String next = nextStart();
    lastFailure = "the watchdog (pid " + dead.pid() + ") " + how;
    state = "not running: " + lastFailure;
    if (wasReady) {
      log.warn(
          "the lifeline's watchdog (pid {}) {} after {} ms; {}",
          dead.pid(),
          how,
          TimeUnit.NANOSECONDS.toMillis(livedNanos),
          next);
    } else {
      // It never protected anything: a broken launch, not an operator's kill.
      log.error(
          "the lifeline's watchdog (pid {}) {} after {} ms; {}",
          dead.pid(),
          how,
          TimeUnit.NANOSECONDS.toMillis(livedNanos),
          next);
    }
    startOrSchedule();
  }

  /** What {@link #startOrSchedule} will do, in words for the log. */
  private String nextStart() {
    if (failuresInARow >= MAX_FAILURES_IN_A_ROW) {
      return "it failed "
          + failuresInARow
          + " times in a row, so the lifeline gives up: trees"
          + " of this JVM will not be ended if it is killed";
    }
    if (live.isEmpty()) {
      return "another starts with the next tree";
    }
    long delay = backoffMillis();
    return (delay == 0 ? "another starts now" : "another starts in " + delay + " ms")
        + " and is told of "
        + live.size()
        + " live tree"
        + (live.size() == 1 ? "" : "s");
  }

  private void startOrSchedule() {
    if (failuresInARow >= MAX_FAILURES_IN_A_ROW) {
      gaveUp = true;
      state =
          "unavailable: the watchdog failed " + failuresInARow + " times in a row (" + state + ")";
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
    OutputStream pipe = watchdog.process().stdin();
    pipe.write(lines.toString().getBytes(StandardCharsets.UTF_8));
    pipe.flush();
  }

  /** How the watchdog is started, supervising {@code supervisor}; package-private for tests. */
  static LaunchSpec spec(ProcessIdentity supervisor) throws UnsupportedLaunchException {
    JvmLaunch launch = JvmLaunch.of(Watchdog.class, null);
    if (supervisor == null) {
      return null; // refused by the caller, after the launch shape was checked
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> argv =
        new ArrayList<>(
            List.of(
                java.toString(),
                // Small and quick: it reads a pipe, then scans /proc once.
                "-Xmx32m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData"));
    // JNA fills its library path from `ldconfig -p` unless this is set: a child nobody waits
    // for at once, a zombie of the watchdog for a moment. The watchdog binds libc alone, from
    // the directory this JVM's own libc came from.
    libcDirectory().ifPresent(dir -> argv.add("-Djna.platform.library.path=" + dir));
    argv.addAll(launch.options());
    argv.addAll(launch.main());
    argv.add(Long.toString(supervisor.pid()));
    argv.add(Long.toString(supervisor.startTime()));
    Map<String, String> environment = new HashMap<>(System.getenv());
    // A session of its own: a signal to this JVM's process group must not reach it. Its output
    // is read: its READY line, and its own words if it never gets there.
    return new LaunchSpec(java, argv, environment, null, true, true, true);
  }

  /** The directory of the C library mapped into this JVM, read from its memory map. */
  static Optional<Path> libcDirectory() {
    try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
      return maps.map(line -> line.substring(line.lastIndexOf(' ') + 1))
          .filter(file -> LIBC.matcher(file).matches())
          .findFirst()
          .map(file -> Path.of(file).getParent());
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  private static Executor reaper() {
    return command -> {
      Thread t = new Thread(command, "stockade-lifeline-reaper");
      t.setDaemon(true);
      t.start();
    };
  }
}
