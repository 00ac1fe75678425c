package dev.stockade.testing;

import dev.stockade.EnvironmentNames;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;

/** Helpers for tests that start real processes. */
public final class TestProcesses {
  private TestProcesses() {}

  /**
   * A unique number of seconds to use as a {@code sleep} argument, so that processes of one test
   * can be found by their command line: {@code 4000.123456}.
   */
  public static String uniqueSleepSeconds() {
    return "4000." + ThreadLocalRandom.current().nextInt(100_000, 999_999);
  }

  /** Live (non-zombie) processes whose command line contains {@code fragment}. */
  public static List<String> liveWithCommandLine(String fragment) {
    long self = ProcessHandle.current().pid();
    List<String> found = new ArrayList<>();
    for (ProcessInfo p : ProcessTable.scan().all()) {
      if (p.pid() == self || p.isEnded()) {
        continue;
      }
      String cmd = ProcFs.commandLine(p.pid());
      if (cmd.contains(fragment)) {
        found.add(p.pid() + " " + cmd);
      }
    }
    return found;
  }

  /** Live (non-zombie) processes whose whole command line is {@code commandLine}. */
  public static List<String> liveWithExactCommandLine(String commandLine) {
    return liveWithCommandLine(commandLine).stream()
        .filter(line -> line.substring(line.indexOf(' ') + 1).equals(commandLine))
        .toList();
  }

  /** The path of a test resource file. */
  public static String resource(String name) {
    try {
      return Path.of(TestProcesses.class.getResource("/" + name).toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The path of an optional program. Skips the test with a visible reason when it is missing,
   * except under {@code CI=true}, where CI installs it and its absence fails the test.
   */
  public static String requireProgram(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":", -1)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    String reason = name + " is not installed (on Debian: apt-get install " + name + ")";
    if ("true".equals(System.getenv("CI"))) {
      throw new AssertionError(reason + "; CI must install it");
    }
    Assumptions.abort(reason);
    return null;
  }

  /** Live (non-zombie) processes whose {@code STOCKADE_TAG} starts with {@code prefix}. */
  public static List<ProcessInfo> liveTagged(String prefix) {
    List<ProcessInfo> found = new ArrayList<>();
    for (ProcessInfo p : ProcessTable.scan().all()) {
      byte[] environ = p.isEnded() ? null : settledEnvironment(p.pid());
      String tag = environ == null ? null : ProcFs.findVariable(environ, TAG_NAME);
      if (tag != null && tag.startsWith(prefix)) {
        found.add(p);
      }
    }
    return found;
  }

  private static final byte[] TAG_NAME = EnvironmentNames.TAG.getBytes(StandardCharsets.US_ASCII);

  /** How long a process caught in the middle of an exec may take to show its environment. */
  private static final Duration MID_EXEC_BOUND = Duration.ofMillis(200);

  /**
   * {@code /proc/PID/environ}, read again while the process looks caught in the middle of an exec
   * (a {@code sh -c 'exec sleep N'} a moment after its start): then neither its environment nor its
   * command line is in place yet, which would make a live tagged process look untagged. A process
   * that cleared its environment ({@code env -i}) still has a command line, so it is read once.
   * Null once the process is gone.
   */
  private static byte[] settledEnvironment(long pid) {
    long deadline = System.nanoTime() + MID_EXEC_BOUND.toNanos();
    byte[] environ = ProcFs.readEnvironment(pid);
    while (environ != null
        && environ.length == 0
        && ProcFs.commandLine(pid).isEmpty()
        && !isKernelThread(pid)
        && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
      environ = ProcFs.readEnvironment(pid);
    }
    return environ;
  }

  /** PF_KTHREAD in the flags of {@code /proc/PID/stat}: kernel threads have no environment. */
  private static boolean isKernelThread(long pid) {
    // Read as a stream: Files.readString trusts the size procfs reports for its files.
    try (var in = Files.newInputStream(Path.of("/proc/" + pid + "/stat"))) {
      String stat = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      // After the command name: state, ppid, pgrp, session, tty, tpgid, flags.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
      return (Long.parseLong(fields[6]) & PF_KTHREAD) != 0;
    } catch (IOException | RuntimeException e) {
      return false; // gone: the environment read says so
    }
  }

  private static final long PF_KTHREAD = 0x00200000;

  /**
   * The pool cgroup directories ({@code /sys/fs/cgroup/[HIERARCHY/]stockade/NAME@PID-NONCE}) of
   * pools of the JVM {@code jvmPid}, in every hierarchy; empty where there are none.
   */
  public static List<Path> poolCgroupsOf(long jvmPid) {
    List<Path> found = new ArrayList<>();
    List<Path> bases = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup/stockade")));
    try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      hierarchies.forEach(h -> bases.add(h.resolve("stockade")));
    } catch (IOException e) {
      return found;
    }
    for (Path base : bases) {
      if (!Files.isDirectory(base)) {
        continue;
      }
      try (var pools = Files.list(base)) {
        pools
            .filter(p -> p.getFileName().toString().contains("@" + jvmPid + "-"))
            .forEach(found::add);
      } catch (IOException e) {
        // a hierarchy that went away
      }
    }
    return found;
  }
}
