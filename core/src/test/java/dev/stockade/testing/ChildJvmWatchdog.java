package dev.stockade.testing;

import dev.stockade.internal.lifeline.Lifeline;
import java.time.Duration;
import java.util.List;

/**
 * The lifeline watchdog of a JVM that a test starts. When that JVM exits, its watchdog outlives
 * it for a moment and, the test JVM being a child subreaper ({@link NoLeakedProcesses}), ends
 * as a zombie child of the test JVM: the test reaps exactly that one, by the identity the JVM
 * printed before it exited.
 */
public final class ChildJvmWatchdog {
  private static final String PREFIX = "WATCHDOG AT EXIT ";

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

  /** In the test, once the child JVM exited: waits for its watchdog to end and reaps it. */
  public static void reapAfterExit(String output) {
    List<ProcessList.Entry> watchdogs = output.lines()
        .filter(line -> line.startsWith(PREFIX))
        .map(line -> line.substring(PREFIX.length()).split(" "))
        .map(f -> ProcessList.Entry.of(Long.parseLong(f[0]), Long.parseLong(f[1])))
        .toList();
    NoLeakedProcesses.reapOnceDead(watchdogs, Duration.ofSeconds(5));
  }
}
