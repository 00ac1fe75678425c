package dev.stockade.internal.lifeline;

import dev.stockade.internal.cgroup.CgroupRemnant;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TempDirectories;
import dev.stockade.internal.os.TreeTeardown;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The process outside the supervising JVM that ends its trees when it dies. Its stdin is a pipe
 * whose only writer is the supervisor, which sends a {@link LifelineMessage} for every tree it
 * starts and ends. When the pipe reaches end of file — the supervisor exited, however: even
 * SIGKILL, which runs no shutdown hook — or when the supervisor's pid no longer names the process
 * it named at start (a descriptor leaked to some other process could hold the pipe open), the
 * watchdog ends every tree still registered, with no grace: SIGSTOP, walk, SIGKILL and verify
 * ({@link TreeTeardown}), finding members by the root's session and group, the tree walk, and the
 * {@code STOCKADE_TAG} of each registered tree and of every tree of the supervisor's pools (so a
 * tree whose start was not yet registered is found too). Then it removes their temporary
 * directories and exits.
 *
 * <p>Started by {@link Lifeline} in a session of its own, so a signal to the supervisor's process
 * group (a terminal's Ctrl-C, {@code kill -- -PGID}) does not reach it, in the supervisor's launch
 * shape ({@link dev.stockade.internal.launch.JvmLaunch}); it says {@link #READY} on stdout once it
 * can do its job.
 */
public final class Watchdog {
  /**
   * The line it writes on stdout once it runs, has loaded what its end needs and reads its pipe:
   * until then the supervisor does not count on it.
   */
  public static final String READY = "stockade-watchdog-ready";

  private static final long SUPERVISOR_POLL_MILLIS = 250;
  private static final long READER_CATCH_UP_MILLIS = 1000;

  private final ProcessIdentity supervisor;
  private final PrintStream log;
  private final Map<String, LifelineMessage> trees = new LinkedHashMap<>();
  private final AtomicBoolean ending = new AtomicBoolean();

  Watchdog(ProcessIdentity supervisor, PrintStream log) {
    this.supervisor = supervisor;
    this.log = log;
  }

  /** {@code Watchdog SUPERVISOR_PID SUPERVISOR_START_TIME}. */
  public static void main(String[] args) throws InterruptedException {
    ProcessIdentity supervisor =
        new ProcessIdentity(Long.parseLong(args[0]), Long.parseLong(args[1]));
    Watchdog watchdog = new Watchdog(supervisor, System.err);
    // Load what the end needs now (JNA, the /proc reader), while nothing is urgent.
    ProcessTable.scan(supervisor.pid());
    Signals.send(supervisor, Signal.CONT);
    Thread reader =
        new Thread(
            () -> {
              try {
                watchdog.readUntilEndOfFile(System.in);
              } catch (IOException e) {
                // a pipe that cannot be read is as good as closed
              }
              watchdog.endEverything("its pipe closed");
              System.exit(0);
            },
            "stockade-watchdog-reader");
    reader.start();
    System.out.println(READY);
    System.out.flush();
    watchdog.waitUntilSupervisorIsGone();
    // Its pipe then reaches end of file as soon as the reader has taken in every line it
    // wrote — which may not have happened yet if it died while this watchdog was starting —
    // unless a descriptor leaked to another process holds the pipe open. Give the reader a
    // moment, then act on what it has.
    reader.join(READER_CATCH_UP_MILLIS);
    watchdog.endEverything("it is gone");
    System.exit(0);
  }

  private void waitUntilSupervisorIsGone() throws InterruptedException {
    while (true) {
      ProcessInfo now = ProcFs.readStat(supervisor.pid());
      if (now == null || !now.is(supervisor) || now.isEnded()) {
        return;
      }
      Thread.sleep(SUPERVISOR_POLL_MILLIS);
    }
  }

  void readUntilEndOfFile(InputStream in) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    while ((line = reader.readLine()) != null) {
      LifelineMessage.parse(line).ifPresent(this::apply);
    }
  }

  synchronized void apply(LifelineMessage message) {
    if (message.kind() != LifelineMessage.Kind.GONE) {
      trees.put(message.tag(), message);
    } else {
      trees.remove(message.tag());
    }
  }

  /** Ends every registered tree and every tree of the registered trees' pools; once. */
  synchronized void endEverything(String why) {
    if (!ending.compareAndSet(false, true) || trees.isEmpty()) {
      return;
    }
    ProcessTable table = ProcessTable.scan();
    TagIndex tags = new TagIndex();
    tags.update(table);
    Map<String, ProcessIdentity> roots = rootsToEnd(table, tags);
    TeardownReport report = OrphanedTrees.endAll(roots, tags);
    int ended = report.ended();
    List<ProcessIdentity> survivors = report.survivors();
    for (LifelineMessage tree : trees.values()) {
      for (Path cgroup : tree.cgroups()) {
        ended += CgroupRemnant.killAndRemove(cgroup);
      }
      if (tree.tempDirectory() != null) {
        TempDirectories.delete(tree.tempDirectory());
      }
    }
    log.printf(
        "stockade watchdog: supervisor %d %s; ended %d processes of %d trees%s%n",
        supervisor.pid(),
        why,
        ended,
        roots.size(),
        survivors.isEmpty() ? "" : "; survivors: " + survivors);
    log.flush();
  }

  /**
   * The root of each tree to end: the registered root, and for a tag of the supervisor's pools that
   * was never registered (its start was in flight) the oldest process carrying it.
   */
  private Map<String, ProcessIdentity> rootsToEnd(ProcessTable table, TagIndex tags) {
    Map<String, ProcessIdentity> roots = new LinkedHashMap<>();
    List<String> poolPrefixes = new ArrayList<>();
    for (LifelineMessage tree : trees.values()) {
      if (tree.kind() != LifelineMessage.Kind.TREE) {
        continue; // kept cgroups: no process, their directories are removed below
      }
      roots.put(tree.tag(), new ProcessIdentity(tree.rootPid(), tree.rootStartTime()));
      String prefix = poolPrefix(tree.tag());
      if (!poolPrefixes.contains(prefix)) {
        poolPrefixes.add(prefix);
      }
    }
    Map<String, ProcessInfo> oldestUnregistered = new HashMap<>();
    for (ProcessInfo p : table.all()) {
      String tag = tags.tagOf(p);
      if (tag == null
          || roots.containsKey(tag)
          || p.isEnded()
          || poolPrefixes.stream().noneMatch(tag::startsWith)) {
        continue;
      }
      oldestUnregistered.merge(
          tag,
          p,
          (a, b) -> Comparator.comparingLong(ProcessInfo::startTime).compare(a, b) <= 0 ? a : b);
    }
    oldestUnregistered.forEach((tag, p) -> roots.put(tag, p.identity()));
    return roots;
  }

  /** {@code pool@pid-nonce/} of {@code pool@pid-nonce/worker}. */
  static String poolPrefix(String tag) {
    int slash = tag.lastIndexOf('/');
    return slash < 0 ? tag : tag.substring(0, slash + 1);
  }
}
