package dev.stockade.benchmarks;

import dev.stockade.EnvironmentNames;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Starting, counting and cleaning up the process trees the benchmarks measure. Not a benchmark.
 *
 * <p>Every process a benchmark starts carries {@code STOCKADE_TAG=bench-<kind>@<pid>-<nonce>/wN} in
 * its environment, so it can be found (and killed) by reading {@code /proc/PID/environ}, whatever
 * its parent or session became.
 */
final class BenchProcesses {
  /** Prefix of every tag the benchmarks set. */
  static final String TAG_PREFIX = "bench-";

  private static final String SETSID = findSetsid();

  private BenchProcesses() {}

  private static String findSetsid() {
    for (String candidate : new String[] {"/usr/bin/setsid", "/bin/setsid"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    throw new IllegalStateException("the benchmarks need setsid(1) in /usr/bin or /bin");
  }

  /**
   * A pool id no other run uses, in the format a pool's tags have ({@code <pool name>@<supervising
   * JVM pid>-<nonce>}): {@code bench-<kind>@<pid>-<hex>}. Tools that tell a live supervisor's trees
   * from a dead one's by that pid (the core tests' leak check) then leave the benchmark's trees
   * alone while this JVM runs.
   */
  static String uniquePoolId(String kind) {
    return TAG_PREFIX
        + kind
        + "@"
        + ProcessHandle.current().pid()
        + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt() & 0x7fffffff);
  }

  /**
   * Starts {@code setsid /bin/sh -c script} with {@code STOCKADE_TAG=tag}, stdin from {@code
   * /dev/null} and output discarded, the way a pool starts a tree: setsid(1) execs the shell in
   * place (a JVM child is never a group leader), so the returned process is the shell, leader of a
   * session of its own.
   */
  static Process startTree(String script, String tag) {
    ProcessBuilder pb = new ProcessBuilder(SETSID, "/bin/sh", "-c", script);
    pb.environment().put(EnvironmentNames.TAG, tag);
    pb.redirectInput(new File("/dev/null"));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    try {
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The identity (pid and start time) of a live process. */
  static ProcessIdentity identityOf(long pid) {
    ProcessInfo info = ProcFs.readStat(pid);
    if (info == null) {
      throw new IllegalStateException("process " + pid + " is gone");
    }
    return info.identity();
  }

  /** Matches exactly {@code tag}. */
  static Predicate<String> exactly(String tag) {
    return tag::equals;
  }

  /** Matches every tag of the pool id {@code poolId}. */
  static Predicate<String> ofPool(String poolId) {
    return t -> t.startsWith(poolId + "/");
  }

  /**
   * Live (not zombie) processes of the machine whose {@code STOCKADE_TAG} matches, read straight
   * from {@code /proc} without any Stockade index.
   */
  static List<ProcessInfo> liveTagged(Predicate<String> tagMatches) {
    List<ProcessInfo> found = new ArrayList<>();
    for (ProcessInfo p : ProcessTable.scan().all()) {
      if (p.isEnded()) {
        continue;
      }
      String tag = ProcFs.environmentValue(p.pid(), EnvironmentNames.TAG);
      if (tag != null && tagMatches.test(tag)) {
        found.add(p);
      }
    }
    return found;
  }

  /** How many of {@code processes} run {@code comm} (the kernel's short program name). */
  static int countComm(List<ProcessInfo> processes, String comm) {
    int n = 0;
    for (ProcessInfo p : processes) {
      try {
        if (Files.readString(Path.of("/proc/" + p.pid() + "/comm")).trim().equals(comm)) {
          n++;
        }
      } catch (IOException gone) {
        // ended meanwhile
      }
    }
    return n;
  }

  /**
   * Waits until exactly {@code total} live processes carry {@code tag}, {@code sleepers} of them
   * running {@code sleep} (so every fork has exec'd and the shell sits in its final {@code wait}).
   * Throws if that is not reached within {@code timeoutMillis} or if more appear.
   */
  static List<ProcessInfo> awaitTree(String tag, int total, int sleepers, long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    List<ProcessInfo> live;
    int sleeping;
    while (true) {
      live = liveTagged(exactly(tag));
      if (live.size() > total) {
        throw new IllegalStateException(
            "tree " + tag + " has " + live.size() + " live processes, expected " + total);
      }
      sleeping = countComm(live, "sleep");
      if (live.size() == total && sleeping == sleepers) {
        return live;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "tree "
                + tag
                + " reached only "
                + live.size()
                + "/"
                + total
                + " live processes ("
                + sleeping
                + "/"
                + sleepers
                + " sleeping) within "
                + timeoutMillis
                + " ms");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  /**
   * Kills, with SIGKILL, every live process whose tag matches until none is left (at most 5 s), and
   * reaps {@code root} if given. Returns how many were found alive at the first look; throws if any
   * survives.
   */
  static int killAll(Predicate<String> tagMatches, Process root) {
    List<ProcessInfo> live = liveTagged(tagMatches);
    int found = live.size();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!live.isEmpty()) {
      for (ProcessInfo p : live) {
        Signals.send(p.identity(), Signal.KILL);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            live.size() + " tagged processes survived SIGKILL " + "for 5 s: " + live);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      live = liveTagged(tagMatches);
    }
    if (root != null) {
      root.destroyForcibly();
      try {
        if (!root.waitFor(5, TimeUnit.SECONDS)) {
          throw new IllegalStateException("root " + root.pid() + " was not reaped within 5 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return found;
  }
}
