package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.ContainmentStrategy;
import dev.stockade.internal.os.LaunchSpec;
import dev.stockade.internal.os.PidCounter;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessLauncher;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.internal.os.SpawnScope;
import dev.stockade.internal.os.SpawnedProcess;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeContainment;
import dev.stockade.internal.os.TreeOrphans;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containment in cgroups: each tree in a group of its own, {@code <base>/stockade/<poolId>/g<n>}
 * (see {@link WorkerGroups} for when a group is reused), which its root is in before it runs the
 * program, so every descendant is born inside and none can leave by forking, daemonizing or
 * starting a session. Under v1 the launching thread starts the root from inside the group ({@link
 * ThreadPlacement}); under v2, or with {@code -Ddev.stockade.cgroupJoin=prelude}, the root is a
 * shell that joins and then execs the program (a root that is already {@code /bin/sh -c} runs the
 * prelude first in its own script). The kernel keeps the membership, enforces the hard memory limit
 * ({@code memory.max} / {@code memory.limit_in_bytes}) and the process limit ({@code pids.max}),
 * and counts the memory. Teardown: SIGTERM to every member and the grace, then {@code cgroup.kill}
 * (or freeze, SIGKILL, thaw), confirmed by the group being empty, and the group removed. Trees
 * still start in a session of their own, so their signals stay theirs.
 */
public final class CgroupContainmentStrategy implements ContainmentStrategy {
  private static final Logger log = LoggerFactory.getLogger(CgroupContainmentStrategy.class);
  private static final Duration EMPTY_BOUND = Duration.ofSeconds(3);
  private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();
  private static final Path SHELL = Path.of("/bin/sh");

  /** The system property that, set to {@code prelude}, makes every root join through a shell. */
  static final String JOIN_PROPERTY = "dev.stockade.cgroupJoin";

  /**
   * Tasks (processes and threads) a cgroup allows per process of {@code maxProcesses}: {@code
   * pids.max} counts threads too, and a browser's process runs dozens.
   */
  private static final int TASKS_PER_PROCESS = 32;

  private final CgroupBase base;
  private final WorkerGroups groups;
  private final ThreadPlacement placement;
  // Cleared when a placement fails: the pool's later trees join through the shell prelude.
  private volatile boolean placing;

  private CgroupContainmentStrategy(CgroupBase base, String poolId, KeptCgroups keeper) {
    this.base = base;
    this.groups = new WorkerGroups(base, poolId, keeper);
    this.placement = base.threadPlacement().orElse(null);
    this.placing = placement != null && !"prelude".equals(System.getProperty(JOIN_PROPERTY));
  }

  /**
   * The containment of {@code selection} ({@link CgroupProbe#select}): cgroups where it found them
   * usable, else sessions, tags and tree walks, named with the reason. Groups kept between trees
   * are told to {@code keeper}.
   */
  public static ContainmentStrategy of(
      CgroupSelection selection, String poolId, TagIndex tags, KeptCgroups keeper) {
    return selection
        .base()
        .<ContainmentStrategy>map(b -> new CgroupContainmentStrategy(b, poolId, keeper))
        .orElseGet(() -> ContainmentStrategy.withoutCgroups(tags, selection.description()));
  }

  /** {@link #of(CgroupSelection, String, TagIndex, KeptCgroups)} with no keeper. */
  public static ContainmentStrategy of(CgroupSelection selection, String poolId, TagIndex tags) {
    return of(selection, poolId, tags, KeptCgroups.NONE);
  }

  @Override
  public String name() {
    return base.description();
  }

  @Override
  public TreeContainment create(String tag, TreeLimits limits) {
    return new CgroupContainment(limits);
  }

  @Override
  public void close() {
    groups.close();
  }

  private final class CgroupContainment implements TreeContainment {
    private final TreeLimits limits;
    private volatile WorkerGroups.Group slot;
    private volatile WorkerCgroup group;
    private volatile LaunchSpec unplaced;
    private volatile ProcessIdentity root;
    private volatile long pidEpoch = PidCounter.ALWAYS_FULL;
    private volatile TreeOrphans orphans;
    // Once ended, the group may hold another tree: what was read of it at the end stands.
    private volatile boolean ended;
    private volatile OptionalLong peakAtEnd = OptionalLong.empty();
    private volatile KernelLimit limitAtEnd = KernelLimit.NONE;

    CgroupContainment(TreeLimits limits) {
      this.limits = limits;
    }

    @Override
    public boolean newSession() {
      return true;
    }

    @Override
    public LaunchSpec prepare(LaunchSpec spec) throws IOException {
      slot = groups.acquire(limits);
      group = slot.cgroup;
      if (placing && !group.tasksFiles().isEmpty()) {
        unplaced = spec;
        return spec; // the launching thread places the root: see launch
      }
      return withPrelude(spec, group);
    }

    @Override
    public SpawnedProcess launch(ProcessLauncher launcher, LaunchSpec spec, Executor waiter)
        throws IOException {
      if (unplaced == null) {
        return launcher.launch(spec, waiter);
      }
      if (!launcher.supportsSpawnScope()) {
        return launcher.launch(withPrelude(unplaced, group), waiter);
      }
      try {
        return launcher.launch(spec, waiter, this::enterGroup);
      } catch (PlacementFailed e) {
        placing = false;
        log.warn(
            "cannot start trees in cgroup {} from the launching thread ({}); they join their "
                + "groups through a shell from now on",
            group,
            e.getCause().toString());
        return launcher.launch(withPrelude(unplaced, group), waiter);
      }
    }

    private SpawnScope.Entered enterGroup() throws IOException {
      ThreadPlacement.Placed placed;
      try {
        placed = placement.enter(group.tasksFiles());
      } catch (IOException e) {
        throw new PlacementFailed(e);
      }
      return () -> {
        try {
          placed.close();
        } catch (IOException e) {
          placing = false;
          log.error("the launching thread could not leave cgroup {}: {}", group, e.toString());
        }
      };
    }

    @Override
    public void discard() {
      groups.remove(slot);
    }

    @Override
    public void attach(ProcessIdentity root) {
      this.root = root;
      this.pidEpoch = PidCounter.epochAtSpawn(root.pid());
      this.orphans = new TreeOrphans(List.of(root), Set.of(root.pid()));
    }

    @Override
    public long pidFloor() {
      return PidCounter.floorFor(root.pid(), pidEpoch);
    }

    @Override
    public List<ProcessInfo> members(ProcessTable table) {
      List<ProcessInfo> members = new ArrayList<>();
      for (long pid : memberPidsOrNone()) {
        ProcessInfo p = table.get(pid);
        if (p != null && !p.isEnded()) {
          members.add(p);
          orphans.saw(p);
        }
      }
      orphans.reap(table);
      return members;
    }

    @Override
    public OptionalLong kernelMemoryBytes() {
      if (ended) {
        return OptionalLong.empty();
      }
      try {
        return group.memoryCurrent();
      } catch (IOException e) {
        return OptionalLong.empty(); // removed under us: the tree is ending
      }
    }

    @Override
    public OptionalLong kernelTaskCount() {
      if (ended) {
        return OptionalLong.empty();
      }
      try {
        return group.taskCount();
      } catch (IOException e) {
        return OptionalLong.empty(); // removed under us: the tree is ending
      }
    }

    @Override
    public boolean adoptsOrphans() {
      return orphans.adoptsOrphans();
    }

    @Override
    public OptionalLong kernelMemoryPeakBytes() {
      if (ended) {
        return peakAtEnd;
      }
      try {
        return group.memoryPeak();
      } catch (IOException e) {
        return OptionalLong.empty();
      }
    }

    @Override
    public KernelLimit kernelLimitHit() {
      if (ended) {
        return limitAtEnd;
      }
      try {
        if (group.oomKills().orElse(0) > 0) {
          return KernelLimit.MEMORY;
        }
        if (group.forkRefusals().orElse(0) > 0) {
          return KernelLimit.PROCESSES;
        }
      } catch (IOException e) {
        // the group is gone: whatever it hit was read before
      }
      return KernelLimit.NONE;
    }

    @Override
    public List<Path> cgroupDirectories() {
      return WorkerGroups.directories(slot);
    }

    @Override
    public TeardownReport end(Duration grace) {
      long start = System.nanoTime();
      Set<Long> seen = new HashSet<>(pidsOrNone());
      // The root may not have joined its group yet (it is still in the prelude): it is ended by
      // its identity too, which also stops it from joining afterwards.
      boolean rootAlive = isAlive(root);
      if (rootAlive) {
        seen.add(root.pid());
      }
      // Only a group the tree left empty by itself is kept for another tree.
      boolean leftNothing = seen.isEmpty();
      if (!seen.isEmpty() && !grace.isZero()) {
        signal(seen, Signal.TERM);
        signal(seen, Signal.CONT);
        long deadline = System.nanoTime() + grace.toNanos();
        while (!pidsOrNone().isEmpty() && System.nanoTime() < deadline) {
          LockSupport.parkNanos(POLL_NANOS);
        }
      }
      seen.addAll(pidsOrNone());
      if (orphans.adoptsOrphans()) {
        noteMembers(seen);
      }
      if (rootAlive) {
        Signals.send(root, Signal.KILL);
      }
      List<ProcessIdentity> survivors = new ArrayList<>();
      try {
        if (leftNothing && seen.isEmpty()) {
          // The kernel listed no process in the group and the root is gone: no member is left
          // to fork, and nothing else enters a group by itself. Nothing to kill.
          return endedEmpty(start);
        }
        group.killAll();
        if (!group.awaitEmpty(EMPTY_BOUND)) {
          for (long pid : group.pids()) {
            ProcessInfo p = ProcFs.readStat(pid);
            if (p != null && !p.isEnded()) {
              survivors.add(p.identity());
            }
          }
          log.error(
              "processes of cgroup {} survived SIGKILL for {}: {}",
              group.directory(),
              EMPTY_BOUND,
              survivors);
        }
      } catch (IOException e) {
        log.warn("cgroup {} could not be ended: {}", group.directory(), e.toString());
      }
      // The group's own peak, read before it is reset for another tree or removed: a tree that
      // ended before its first sample has one too.
      peakAtEnd = kernelMemoryPeakBytes();
      limitAtEnd = kernelLimitHit();
      ended = true;
      if (survivors.isEmpty()) {
        groups.release(slot, leftNothing);
      }
      TeardownReport report =
          new TeardownReport(
              seen.size() - survivors.size(),
              survivors,
              Duration.ofNanos(System.nanoTime() - start));
      // The group only shows live members: its zombies are found through what was noted of
      // them and through the root's session, in a table of the pids a member can have.
      orphans.reapAfterEnd(pidFloor());
      return report;
    }

    /** The end of a tree that left its group empty: the group is kept for another tree. */
    private TeardownReport endedEmpty(long start) {
      peakAtEnd = kernelMemoryPeakBytes();
      limitAtEnd = kernelLimitHit();
      ended = true;
      groups.release(slot, true);
      orphans.reapAfterEnd(pidFloor());
      return new TeardownReport(0, List.of(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Notes the identities of {@code pids} as the tree's, so their zombies can be reaped. */
    private void noteMembers(Set<Long> pids) {
      for (long pid : pids) {
        ProcessInfo p = ProcFs.readStat(pid);
        if (p != null) {
          orphans.saw(p);
        }
      }
    }

    private Set<Long> memberPidsOrNone() {
      if (ended) {
        return Set.of();
      }
      try {
        return group.memberPids();
      } catch (IOException e) {
        return Set.of();
      }
    }

    private Set<Long> pidsOrNone() {
      if (ended) {
        return Set.of();
      }
      try {
        return group.pids();
      } catch (IOException e) {
        return Set.of();
      }
    }
  }

  /** The launching thread could not enter a group: nothing was started. */
  private static final class PlacementFailed extends IOException {
    private static final long serialVersionUID = 1L;

    PlacementFailed(IOException cause) {
      super(cause);
    }
  }

  private static boolean isAlive(ProcessIdentity identity) {
    if (identity == null) {
      return false;
    }
    ProcessInfo p = ProcFs.readStat(identity.pid());
    return p != null && p.is(identity) && !p.isEnded();
  }

  private static void signal(Set<Long> pids, Signal signal) {
    for (long pid : pids) {
      ProcessInfo p = ProcFs.readStat(pid);
      if (p != null && !p.isEnded()) {
        Signals.send(p.identity(), signal);
      }
    }
  }

  /**
   * The {@code pids.max} of a tree allowed {@code maxProcesses} processes: room for each allowed
   * process's threads, while the housekeeper counts processes against the limit itself.
   */
  public static long pidsMax(int maxProcesses) {
    return (long) maxProcesses * TASKS_PER_PROCESS;
  }

  /**
   * {@code spec} behind a shell that writes its own pid to every {@code cgroup.procs} file of
   * {@code group} before it execs the program (a root that is already {@code /bin/sh -c} runs the
   * prelude first in its own script, one exec fewer).
   */
  private static LaunchSpec withPrelude(LaunchSpec spec, WorkerCgroup group) {
    StringBuilder join = new StringBuilder();
    for (Path procs : group.procsFiles()) {
      join.append("echo $$ > ").append(quoted(procs)).append(" || exit 125\n");
    }
    List<String> argv = new ArrayList<>();
    argv.add("/bin/sh");
    argv.add("-c");
    if (isShellScript(spec)) {
      argv.add(join + spec.arguments().get(2));
      argv.addAll(spec.arguments().subList(3, spec.arguments().size()));
    } else {
      argv.add(join + "exec \"$@\"");
      argv.add("stockade-cgroup");
      argv.add(spec.program().toString());
      argv.addAll(spec.arguments().subList(1, spec.arguments().size()));
    }
    return new LaunchSpec(
        SHELL,
        argv,
        spec.environment(),
        spec.directory(),
        spec.newSession(),
        spec.captureOutput(),
        spec.pipeInput());
  }

  /** {@code /bin/sh -c SCRIPT [NAME ARGS...]}. */
  private static boolean isShellScript(LaunchSpec spec) {
    List<String> args = spec.arguments();
    return spec.program().equals(SHELL) && args.size() >= 3 && args.get(1).equals("-c");
  }

  private static String quoted(Path path) {
    String text = path.toString();
    if (text.indexOf('\'') >= 0) {
      throw new IllegalArgumentException("cgroup path with a quote: " + text);
    }
    return "'" + text + "'";
  }
}
