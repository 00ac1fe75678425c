package dev.stockade.benchmarks;

import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeMembership;
import dev.stockade.internal.os.TreeTeardown;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Wall time to end a 50-process tree, escapees included, until every member is verified dead, with
 * no termination grace (straight to SIGKILL, as after a memory breach).
 *
 * <p>Before each invocation (not measured) a fresh tree is started with a unique {@code
 * STOCKADE_TAG}: {@code setsid sh -c '...'} in which the shell runs {@code setsid -f sleep 1000}
 * twice — each forks, the child calls {@code setsid(2)} and execs {@code sleep} while the middle
 * process exits, so two escapees live in sessions of their own, re-parented to init, reachable only
 * through their tag — then starts 47 {@code sleep 1000} in the background and waits: 50 live
 * processes, which setup waits to see in {@code /proc}.
 *
 * <p>Each invocation then builds {@code new TreeMembership(root, tag)} (knowing only the root) and
 * runs {@code new TreeTeardown(membership, tags).end(Duration.ZERO)}: freeze rounds with SIGSTOP
 * until a {@code /proc} walk finds no new member, SIGKILL to all, and scans until none is alive
 * (zombies count as dead). It throws if the report is not complete; after each invocation an
 * independent {@code /proc} walk checks no tagged process is alive and kills any.
 *
 * <ul>
 *   <li>{@link #teardown}: the tag index is one kept for the trial and updated once after the tree
 *       is up, as a pool's housekeeper would have done at its last tick (every 250 ms by default):
 *       the teardown's scans read no environment they already know.
 *   <li>{@link #teardownColdTagIndex}: a fresh, empty tag index, so the first scan reads the
 *       environment of every process of the machine: a tree torn down before the housekeeper ever
 *       saw it.
 * </ul>
 *
 * <p>Single shot, one benchmark thread; the killed processes exit on whichever core is free. After
 * each invocation (not measured) the benchmark also waits, up to 5 s, until the orphaned members
 * are reaped by init, so zombies of earlier invocations do not swell the {@code /proc} walks of
 * later ones (some container inits reap only every second or two).
 *
 * <p>Target: at most 50 ms.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, batchSize = 1)
@Measurement(iterations = 30, batchSize = 1)
public class TeardownBenchmark {
  static final int TREE_SIZE = 50;
  static final int ESCAPEES = 2;
  private static final String SCRIPT =
      "setsid -f sleep 1000; ".repeat(ESCAPEES)
          + "i=0; while [ $i -lt "
          + (TREE_SIZE - 1 - ESCAPEES)
          + " ]; do sleep 1000 & "
          + "i=$((i+1)); done; wait";

  private final String poolId = BenchProcesses.uniquePoolId("teardown");
  private final TagIndex warmTags = new TagIndex();
  private int invocation;

  private String tag;
  private Process root;
  private ProcessIdentity rootIdentity;
  private TagIndex coldTags;
  private List<ProcessIdentity> started;
  private TeardownReport lastReport;

  @Setup(Level.Invocation)
  public void startTree() {
    tag = poolId + "/w" + (++invocation);
    root = BenchProcesses.startTree(SCRIPT, tag);
    List<ProcessInfo> live;
    try {
      live = BenchProcesses.awaitTree(tag, TREE_SIZE, TREE_SIZE - 1, 10_000);
      rootIdentity = BenchProcesses.identityOf(root.pid());
    } catch (RuntimeException e) {
      BenchProcesses.killAll(BenchProcesses.exactly(tag), root);
      throw e;
    }
    int escapees = 0;
    started = new ArrayList<>(live.size());
    for (ProcessInfo p : live) {
      started.add(p.identity());
      if (p.sid() == p.pid() && p.pid() != root.pid()) {
        escapees++;
      }
    }
    if (escapees != ESCAPEES) {
      BenchProcesses.killAll(BenchProcesses.exactly(tag), root);
      throw new IllegalStateException(
          "tree "
              + tag
              + " has "
              + escapees
              + " processes in sessions of their own, expected "
              + ESCAPEES);
    }
    warmTags.update(ProcessTable.scan());
    coldTags = new TagIndex();
    lastReport = null;
  }

  @TearDown(Level.Invocation)
  public void checkNoneLeft() {
    int left = BenchProcesses.killAll(BenchProcesses.exactly(tag), root);
    awaitReaped(started);
    if (left != 0) {
      throw new IllegalStateException(
          left
              + " processes of tree "
              + tag
              + " were alive after a teardown reported "
              + lastReport
              + " (now killed)");
    }
    if (lastReport != null && lastReport.ended() < TREE_SIZE) {
      throw new IllegalStateException(
          "teardown of "
              + tag
              + " saw only "
              + lastReport.ended()
              + " of "
              + TREE_SIZE
              + " members: "
              + lastReport);
    }
  }

  @TearDown(Level.Trial)
  public void sweep() {
    BenchProcesses.killAll(BenchProcesses.ofPool(poolId), null);
  }

  /** Teardown with the tag index a pool's housekeeper keeps. */
  @Benchmark
  public TeardownReport teardown() {
    return end(warmTags);
  }

  /** Teardown with an empty tag index: every environment of the machine is read once. */
  @Benchmark
  public TeardownReport teardownColdTagIndex() {
    return end(coldTags);
  }

  private TeardownReport end(TagIndex tags) {
    TreeMembership membership = new TreeMembership(rootIdentity, tag);
    TeardownReport report = new TreeTeardown(membership, tags).end(Duration.ZERO);
    lastReport = report;
    if (!report.isComplete()) {
      throw new IllegalStateException("teardown of " + tag + " left survivors: " + report);
    }
    return report;
  }

  /** Waits, at most 5 s, until none of {@code identities} has an entry in /proc. */
  private static void awaitReaped(List<ProcessIdentity> identities) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (ProcessIdentity id : identities) {
      while (true) {
        ProcessInfo now = ProcFs.readStat(id.pid());
        if (now == null || now.startTime() != id.startTime()) {
          break;
        }
        if (System.nanoTime() > deadline) {
          System.err.println(
              "warning: process "
                  + id.pid()
                  + " still in /proc 5 s after "
                  + "teardown (unreaped zombie?)");
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
    }
  }
}
