package dev.stockade.testing;

import dev.stockade.EnvironmentNames;
import dev.stockade.internal.lifeline.Watchdog;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.internal.os.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a process behind, found two ways:
 *
 * <ol>
 *   <li>Independently of the library: the test JVM is a child subreaper (made so once, when this
 *       class loads), so every orphan of every process a test started — whatever session it moved
 *       to, whatever environment it cleared — is re-parented to it. Any descendant of the test JVM
 *       after a test, other than the lifeline's watchdog, is a leak, and so is a zombie child: the
 *       library reaps its trees' orphans (docs/decisions.md, "No zombies"). Descendants are read
 *       with the JDK's {@link ProcessHandle#descendants()} and with {@link ProcessList}'s own few
 *       lines over {@code /proc}, never with the library's code.
 *   <li>As a second witness, by the {@code STOCKADE_TAG} of a pool of this JVM in a live process's
 *       environment (read with the library's reader).
 * </ol>
 *
 * Leaked processes are killed, and the zombies among them reaped, so the next test starts clean. A
 * test that starts while such processes are alive fails too, so a leak is charged to the test that
 * made it, not to the next one. A test that kills a JVM of its own must reap what that JVM leaves
 * to the test JVM itself, exactly (see {@link #killAndReap}).
 */
public final class NoLeakedProcesses implements BeforeEachCallback, AfterEachCallback {
  private static final Duration SETTLE = Duration.ofMillis(500);
  private static final long SELF = ProcessHandle.current().pid();
  private static final String WATCHDOG = Watchdog.class.getName() + " " + SELF + " ";

  static {
    Subreaper.become();
    // JNA run elsewhere in this JVM (a library that loads "c" by its bare name) may read
    // `ldconfig -p` from a child it does not wait for: let it end, so the first test is not
    // charged with it. Stockade loads libc by its file name, which needs no such child.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!leakedDescendants().isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    // A helper some library of the JVM runs in the background (JNA's `ldconfig -p`) may be
    // ending just now: given the same moment as after a test, it is not a leftover.
    settle();
    List<String> leaked = endLeaks();
    if (!leaked.isEmpty()) {
      throw new AssertionError("processes were left before this test (killed now): " + leaked);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    settle();
    List<String> leaked = endLeaks();
    if (!leaked.isEmpty()) {
      throw new AssertionError(
          context.getDisplayName()
              + " left "
              + leaked.size()
              + " processes (killed now): "
              + leaked);
    }
  }

  /** Waits up to {@link #SETTLE} for every leftover, found either way, to end. */
  private static void settle() {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while ((!leakedDescendants().isEmpty() || !taggedAlive().isEmpty())
        && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  /**
   * The descendants of the test JVM — zombies included — other than its lifeline's watchdog, found
   * without the library: the JDK's view and a {@code /proc} walk of these tests' own.
   */
  public static List<ProcessList.Entry> leakedDescendants() {
    ProcessList now = ProcessList.now();
    Map<Long, ProcessList.Entry> found = new LinkedHashMap<>();
    for (ProcessList.Entry e : now.descendantsOf(SELF)) {
      found.put(e.pid(), e);
    }
    ProcessHandle.current()
        .descendants()
        .forEach(
            h -> {
              ProcessList.Entry e = now.get(h.pid());
              if (e != null) {
                found.putIfAbsent(h.pid(), e); // else it ended between the two reads
              }
            });
    // The test JVM's own watchdog: its command line names the test JVM as its supervisor.
    found.values().removeIf(e -> !e.isZombie() && (e.args() + " ").contains(WATCHDOG));
    return new ArrayList<>(found.values());
  }

  /**
   * Live (non-zombie) processes that carry the tag of a pool of this JVM. Trees of other JVMs
   * (another build on the same machine) are not this test's doing and are left alone.
   */
  public static List<ProcessInfo> taggedAlive() {
    List<ProcessInfo> found = new ArrayList<>();
    for (ProcessInfo p : ProcessTable.scan().all()) {
      if (p.pid() == SELF || p.isEnded()) {
        continue;
      }
      String tag = ProcFs.environmentValue(p.pid(), EnvironmentNames.TAG);
      if (tag != null && Tags.supervisorPid(tag) == SELF) {
        found.add(p);
      }
    }
    return found;
  }

  /** Kills and reaps whatever is left, and says what it was. */
  private static List<String> endLeaks() {
    List<String> described = new ArrayList<>();
    for (ProcessInfo p : taggedAlive()) {
      described.add(p.pid() + " " + ProcFs.commandLine(p.pid()) + " (by its tag)");
      Signals.send(p.identity(), Signal.KILL);
    }
    for (int round = 0; round < 5; round++) {
      List<ProcessList.Entry> leaked = leakedDescendants();
      if (leaked.isEmpty()) {
        break;
      }
      for (ProcessList.Entry e : leaked) {
        described.add(e.toString());
      }
      killAndReap(leaked);
    }
    return described;
  }

  /**
   * Kills {@code processes} (those still alive and still themselves), waits for each to be gone or
   * a zombie, and reaps those that are zombie children of the test JVM — these and no other. A
   * zombie some {@link Process} of the JDK waits for is left to the JDK, which takes it at once.
   * Fails if one is still alive after 5 s.
   */
  public static void killAndReap(Collection<ProcessList.Entry> processes) {
    for (ProcessList.Entry e : processes) {
      ProcessList.Entry now = ProcessList.of(e.pid());
      if (now != null && now.startTime() == e.startTime() && !now.isZombie()) {
        ProcessHandle.of(e.pid()).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    reapOnceDead(processes, Duration.ofSeconds(5));
  }

  /**
   * Waits up to {@code bound} for each of {@code processes} to be gone or a zombie, then reaps
   * those that are zombie children of the test JVM and no {@link Process} took meanwhile.
   */
  public static void reapOnceDead(Collection<ProcessList.Entry> processes, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    List<ProcessList.Entry> pending = new ArrayList<>(processes);
    while (!pending.isEmpty()) {
      ProcessList now = ProcessList.now();
      pending.removeIf(
          e -> {
            ProcessList.Entry current = now.get(e.pid());
            if (current == null || current.startTime() != e.startTime()) {
              return true; // gone
            }
            // A zombie whose parent is still ending is handed to this JVM once that parent is gone.
            return current.isZombie() && current.ppid() == SELF && zombieLongEnough(current);
          });
      if (pending.isEmpty()) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("still not ended and reaped after " + bound + ": " + pending);
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  /**
   * For tests that start processes without any pool of the test JVM (so none of their zombies is
   * the library's to reap): waits up to {@code bound} for the test JVM's descendants started since
   * {@code sinceTicks} to end, and reaps those that are zombie children of it — the orphans of what
   * the test started — leaving each {@link Process} of the JDK to the JDK.
   */
  public static void reapWhatStartedSince(long sinceTicks, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      List<ProcessList.Entry> since =
          leakedDescendants().stream().filter(e -> e.startTime() >= sinceTicks).toList();
      List<ProcessList.Entry> zombies =
          since.stream().filter(e -> e.isZombie() && e.ppid() == SELF).toList();
      if (since.isEmpty() || System.nanoTime() > deadline) {
        return; // what is still alive is a leak for the check after the test to report
      }
      if (zombies.isEmpty()) {
        LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
      } else {
        reapOnceDead(zombies, bound);
      }
    }
  }

  /**
   * Reaps {@code zombie} unless a JDK {@link Process} takes it first: the JDK waits for its own
   * children by pid and takes them within moments, so a zombie still there after 200 ms is not one
   * of them.
   */
  private static boolean zombieLongEnough(ProcessList.Entry zombie) {
    long until = System.nanoTime() + Duration.ofMillis(200).toNanos();
    while (System.nanoTime() < until) {
      ProcessList.Entry now = ProcessList.of(zombie.pid());
      if (now == null || now.startTime() != zombie.startTime()) {
        return true;
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    Subreaper.reap(zombie.pid());
    return true;
  }
}
