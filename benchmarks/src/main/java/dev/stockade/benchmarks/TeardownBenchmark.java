package dev.stockade.benchmarks;

import dev.stockade.CgroupMode;
import dev.stockade.EnvironmentNames;
import dev.stockade.MemorySize;
import dev.stockade.internal.cgroup.CgroupContainmentStrategy;
import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.cgroup.CgroupSelection;
import dev.stockade.internal.engine.SettingRules;
import dev.stockade.internal.os.ContainmentStrategy;
import dev.stockade.internal.os.ContainmentStrategy.TreeLimits;
import dev.stockade.internal.os.LaunchSpec;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessLauncher;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.SpawnedProcess;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeContainment;
import dev.stockade.internal.os.TreeMembership;
import dev.stockade.internal.os.TreeTeardown;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * no termination grace (straight to SIGKILL, as after a memory breach): contained by session and
 * tag, and contained by a cgroup.
 *
 * <p>Before each invocation (not measured) a fresh tree is started with a unique {@code
 * STOCKADE_TAG}: {@code sh -c '...'} in a session of its own, in which the shell runs {@code setsid
 * -f sleep 1000} twice — each forks, the child calls {@code setsid(2)} and execs {@code sleep}
 * while the middle process exits, so two escapees live in sessions of their own, re-parented to
 * init — then starts 47 {@code sleep 1000} in the background and waits: 50 live processes, which
 * setup waits to see in {@code /proc}.
 *
 * <ul>
 *   <li>{@link #teardown} and {@link #teardownColdTagIndex} ({@link SessionTrees}): the tree is
 *       started behind {@code setsid(1)} and the escapees are reachable only through their tag.
 *       Each invocation builds {@code new TreeMembership(root, tag)} (knowing only the root) and
 *       runs {@code new TreeTeardown(membership, tags).end(Duration.ZERO)}: freeze rounds with
 *       SIGSTOP until a {@code /proc} walk finds no new member, SIGKILL to all, and scans until
 *       none is alive (zombies count as dead). {@link #teardown} uses a tag index kept for the
 *       trial and updated once after the tree is up, as a pool's housekeeper would have done at its
 *       last tick (every 250 ms by default): the teardown's scans read no environment they already
 *       know. {@link #teardownColdTagIndex} uses a fresh, empty tag index, so the first scan reads
 *       the environment of every process of the machine: a tree torn down before the housekeeper
 *       ever saw it.
 *   <li>{@link #teardownInCgroup} ({@link CgroupTrees}): the tree is started the way a pool with
 *       the default {@code cgroupMode} starts it — {@code CgroupProbe.select(AUTO)}, then the
 *       containment's {@code prepare}, {@code launch} and {@code attach}, so the root and every
 *       descendant, escapees included, are in a cgroup of their own under the pool's directory,
 *       with the default limits (1 GiB, 1024 processes). Each invocation runs the containment's
 *       {@code end(Duration.ZERO)}: {@code cgroup.kill} (v2) or freeze, SIGKILL and thaw (v1, and
 *       v2 before 5.14), until the group is empty, and the group removed. It fails if no cgroup
 *       hierarchy is usable here.
 * </ul>
 *
 * <p>The two kinds of tree are separate states, so each benchmark pays only the setup of its own
 * trees. Each invocation throws if the report is not complete; after each invocation an independent
 * {@code /proc} walk checks no tagged process is alive and kills any (and, for a cgroup tree, that
 * its group's directories are gone).
 *
 * <p>Single shot, one benchmark thread; the killed processes exit on whichever core is free. After
 * each invocation (not measured) the benchmark also waits, up to 5 s, until the orphaned members
 * are reaped by init, so zombies of earlier invocations do not swell the {@code /proc} walks of
 * later ones (some container inits reap only every second or two).
 *
 * <p>Target: at most 50 ms, by either containment.
 */
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

  /** Teardown with the tag index a pool's housekeeper keeps. */
  @Benchmark
  public TeardownReport teardown(SessionTrees trees) {
    return trees.end(trees.warmTags);
  }

  /** Teardown with an empty tag index: every environment of the machine is read once. */
  @Benchmark
  public TeardownReport teardownColdTagIndex(SessionTrees trees) {
    return trees.end(trees.coldTags);
  }

  /** Teardown of a tree in a cgroup of its own, through its containment. */
  @Benchmark
  public TeardownReport teardownInCgroup(CgroupTrees trees) {
    return trees.end();
  }

  /** Trees in sessions of their own, found by session and tag. */
  @State(Scope.Thread)
  public static class SessionTrees {
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
      try {
        started = awaitTreeWithEscapees(tag, root.pid());
        rootIdentity = BenchProcesses.identityOf(root.pid());
      } catch (RuntimeException e) {
        BenchProcesses.killAll(BenchProcesses.exactly(tag), root);
        throw e;
      }
      warmTags.update(ProcessTable.scan());
      coldTags = new TagIndex();
      lastReport = null;
    }

    @TearDown(Level.Invocation)
    public void checkNoneLeft() {
      int left = BenchProcesses.killAll(BenchProcesses.exactly(tag), root);
      awaitReaped(started);
      checkEnded(tag, left, lastReport);
    }

    @TearDown(Level.Trial)
    public void sweep() {
      BenchProcesses.killAll(BenchProcesses.ofPool(poolId), null);
    }

    TeardownReport end(TagIndex tags) {
      TreeMembership membership = new TreeMembership(rootIdentity, tag);
      TeardownReport report = new TreeTeardown(membership, tags).end(Duration.ZERO);
      lastReport = report;
      return complete(tag, report);
    }
  }

  /** Trees each in a cgroup of its own, started and ended through their containment. */
  @State(Scope.Thread)
  public static class CgroupTrees {
    private static final Path SHELL = Path.of("/bin/sh");
    private static final TreeLimits DEFAULT_LIMITS =
        new TreeLimits(MemorySize.ofGibibytes(1).toBytes(), 0, SettingRules.DEFAULT_MAX_PROCESSES);

    private final String poolId = BenchProcesses.uniquePoolId("cgroup-teardown");
    private ContainmentStrategy strategy;
    private ProcessLauncher launcher;
    private ExecutorService waiter;
    private int invocation;

    private String tag;
    private TreeContainment containment;
    private SpawnedProcess root;
    private List<Path> directories;
    private List<ProcessIdentity> started;
    private TeardownReport lastReport;

    @Setup(Level.Trial)
    public void selectCgroups() {
      CgroupSelection selection = CgroupProbe.select(CgroupMode.AUTO);
      if (selection.base().isEmpty()) {
        throw new IllegalStateException(
            "teardownInCgroup needs a usable cgroup hierarchy; " + selection.description());
      }
      strategy = CgroupContainmentStrategy.of(selection, poolId, new TagIndex());
      launcher = ProcessLauncher.detect();
      waiter =
          Executors.newCachedThreadPool(
              r -> {
                Thread t = new Thread(r, "teardown-benchmark-waiter");
                t.setDaemon(true);
                return t;
              });
    }

    @Setup(Level.Invocation)
    public void startTree() throws IOException {
      tag = poolId + "/w" + (++invocation);
      containment = strategy.create(tag, DEFAULT_LIMITS);
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put(EnvironmentNames.TAG, tag);
      LaunchSpec spec =
          containment.prepare(
              new LaunchSpec(
                  SHELL,
                  List.of("/bin/sh", "-c", SCRIPT),
                  env,
                  null,
                  containment.newSession(),
                  false,
                  false));
      try {
        root = containment.launch(launcher, spec, waiter);
      } catch (IOException | RuntimeException e) {
        containment.discard();
        throw e;
      }
      directories = containment.cgroupDirectories();
      try {
        containment.attach(BenchProcesses.identityOf(root.pid()));
        started = awaitTreeWithEscapees(tag, root.pid());
      } catch (RuntimeException e) {
        containment.end(Duration.ZERO);
        BenchProcesses.killAll(BenchProcesses.exactly(tag), null);
        throw e;
      }
      lastReport = null;
    }

    @TearDown(Level.Invocation)
    public void checkNoneLeft() throws IOException {
      int left = BenchProcesses.killAll(BenchProcesses.exactly(tag), null);
      try {
        root.exit().get(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("root " + root.pid() + " was not reaped within 5 s", e);
      }
      awaitReaped(started);
      for (Path dir : directories) {
        if (Files.exists(dir)) {
          throw new IllegalStateException(
              "cgroup " + dir + " of tree " + tag + " is still there after " + lastReport);
        }
      }
      checkEnded(tag, left, lastReport);
    }

    @TearDown(Level.Trial)
    public void close() {
      strategy.close();
      waiter.shutdownNow();
      BenchProcesses.killAll(BenchProcesses.ofPool(poolId), null);
    }

    TeardownReport end() {
      TeardownReport report = containment.end(Duration.ZERO);
      lastReport = report;
      return complete(tag, report);
    }
  }

  /**
   * Waits for the tree {@code tag} to be up and checks that exactly {@link #ESCAPEES} of its
   * processes lead sessions of their own; the identities of its processes.
   */
  private static List<ProcessIdentity> awaitTreeWithEscapees(String tag, long rootPid) {
    List<ProcessInfo> live = BenchProcesses.awaitTree(tag, TREE_SIZE, TREE_SIZE - 1, 10_000);
    int escapees = 0;
    List<ProcessIdentity> started = new ArrayList<>(live.size());
    for (ProcessInfo p : live) {
      started.add(p.identity());
      if (p.sid() == p.pid() && p.pid() != rootPid) {
        escapees++;
      }
    }
    if (escapees != ESCAPEES) {
      throw new IllegalStateException(
          "tree "
              + tag
              + " has "
              + escapees
              + " processes in sessions of their own, expected "
              + ESCAPEES);
    }
    return started;
  }

  private static TeardownReport complete(String tag, TeardownReport report) {
    if (!report.isComplete()) {
      throw new IllegalStateException("teardown of " + tag + " left survivors: " + report);
    }
    return report;
  }

  /**
   * Throws if {@code left} processes of the tree were still alive after its teardown, or if the
   * teardown saw fewer than the whole tree.
   */
  private static void checkEnded(String tag, int left, TeardownReport lastReport) {
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
