package dev.stockade.testing;

import dev.stockade.internal.lifeline.Lifeline;
import java.time.Duration;
import java.util.List;

/**
 * The lifeline watchdog of a JVM that a test starts. When that JVM exits, its watchdog outlives it
 * for a moment and, the test JVM being a child subreaper ({@link NoLeakedProcesses}), ends as a
 * zombie child of the test JVM: the test reaps exactly that one, by the identity the JVM printed
 * before it exited.
 */
public final class ChildJvmWatchdog {
  private static final String PREFIX = "WATCHDOG AT EXIT ";
  private static final String DESCENDANT = "DESCENDANT AT EXIT ";

  private ChildJvmWatchdog() {}

  /** In the child JVM, just before it exits: prints its watchdog's identity, if one runs. */
  public static void print() {
    long pid = Lifeline.get().watchdogPid();
    ProcessList.Entry watchdog = pid > 0 ? ProcessList.of(pid) : null;
    if (watchdog != null) {
      System.out.println(PREFIX + pid + " " + watchdog.startTime());
      System.out.flush();
    }
  }

  /**
   * In a child JVM that exits while trees of its pools still run (which its watchdog or its
   * shutdown hook then ends): prints every process descending from it, the watchdog included, so
   * the test can reap exactly those.
   */
  public static void printDescendants() {
    long self = ProcessHandle.current().pid();
    for (ProcessList.Entry e : ProcessList.now().descendantsOf(self)) {
      System.out.println(DESCENDANT + e.pid() + " " + e.startTime());
    }
    System.out.flush();
  }

  /**
   * In the test, once the child JVM exited: waits for the watchdog and the descendants it printed
   * to end and reaps those that were handed to the test JVM.
   */
  public static void reapAfterExit(String output) {
    List<ProcessList.Entry> watchdogs =
        output
            .lines()
            .filter(line -> line.startsWith(PREFIX) || line.startsWith(DESCENDANT))
            .map(
                line ->
                    line.substring(line.startsWith(PREFIX) ? PREFIX.length() : DESCENDANT.length())
                        .split(" "))
            .map(f -> ProcessList.Entry.of(Long.parseLong(f[0]), Long.parseLong(f[1])))
            .toList();
    NoLeakedProcesses.reapOnceDead(watchdogs, Duration.ofSeconds(5));
  }
}
