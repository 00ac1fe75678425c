package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.ContainmentStrategy;
import dev.stockade.internal.os.LaunchSpec;
import dev.stockade.internal.os.PidCounter;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeContainment;
import dev.stockade.internal.os.TreeOrphans;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containment in cgroups: each tree in a group of its own, {@code
 * <base>/stockade/<poolId>/<workerId>}, which its root joins before it execs the program (a shell
 * prelude; a root that is already {@code /bin/sh -c} runs it first in its own script), so every
 * descendant is born inside and none can leave by forking, daemonizing or starting a session. The
 * kernel keeps the membership, enforces the hard memory limit ({@code memory.max} / {@code
 * memory.limit_in_bytes}) and the process limit ({@code pids.max}), and counts the memory.
 * Teardown: SIGTERM to every member and the grace, then {@code cgroup.kill} (or freeze, SIGKILL,
 * thaw), confirmed by the group being empty, and the group removed. Trees still start in a session
 * of their own, so their signals stay theirs.
 */
public final class CgroupContainmentStrategy implements ContainmentStrategy {
  private static final Logger log = LoggerFactory.getLogger(CgroupContainmentStrategy.class);
  private static final Duration EMPTY_BOUND = Duration.ofSeconds(3);
  private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();
  private static final Path SHELL = Path.of("/bin/sh");

  /**
   * Tasks (processes and threads) a cgroup allows per process of {@code maxProcesses}: {@code
   * pids.max} counts threads too, and a browser's process runs dozens.
   */
  private static final int TASKS_PER_PROCESS = 32;

  private final CgroupBase base;
  private final String poolId;
  // Creating a worker's group and removing the pool's directory after the last one must not
  // interleave: a removal between the two would leave the new group without its controllers.
  private final Object poolDirectoryLock = new Object();

  private CgroupContainmentStrategy(CgroupBase base, String poolId) {
    this.base = base;
    this.poolId = poolId;
  }

  /**
   * The containment of {@code selection} ({@link CgroupProbe#select}): cgroups where it found them
   * usable, else sessions, tags and tree walks, named with the reason.
   */
  public static ContainmentStrategy of(CgroupSelection selection, String poolId, TagIndex tags) {
    return selection
        .base()
        .<ContainmentStrategy>map(b -> new CgroupContainmentStrategy(b, poolId))
        .orElseGet(() -> ContainmentStrategy.withoutCgroups(tags, selection.description()));
  }

  @Override
  public String name() {
    return base.description();
  }

  @Override
  public TreeContainment create(String tag, TreeLimits limits) {
    return new CgroupContainment(tag.substring(tag.lastIndexOf('/') + 1), limits);
  }

  private final class CgroupContainment implements TreeContainment {
    private final WorkerCgroup group;
    private final TreeLimits limits;
    private volatile ProcessIdentity root;
    private volatile long pidEpoch = PidCounter.ALWAYS_FULL;
    private volatile TreeOrphans orphans;

    CgroupContainment(String workerId, TreeLimits limits) {
      this.group = base.worker(poolId, workerId);
      this.limits = limits;
    }

    @Override
    public boolean newSession() {
      return true;
    }

    @Override
    public LaunchSpec prepare(LaunchSpec spec) throws IOException {
      synchronized (poolDirectoryLock) {
        group.create();
      }
      try {
        if (base.hasMemoryController()) {
          group.setMemoryMax(limits.memoryBytes());
          if (limits.softMemoryBytes() > 0) {
            group.setMemoryHigh(limits.softMemoryBytes());
          }
        }
        if (base.controllers().contains("pids")) {
          group.setPidsMax(pidsMax(limits.processes()));
        }
      } catch (IOException | RuntimeException e) {
        discard();
        throw e;
      }
      StringBuilder join = new StringBuilder();
      for (Path procs : group.procsFiles()) {
        join.append("echo $$ > ").append(quoted(procs)).append(" || exit 125\n");
      }
      List<String> argv = new ArrayList<>();
      argv.add("/bin/sh");
      argv.add("-c");
      if (isShellScript(spec)) {
        // Already a shell: it joins first, then runs its own script; one exec fewer.
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

    @Override
    public void discard() {
      removeGroup();
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
      for (long pid : pidsOrNone()) {
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
      try {
        return group.memoryCurrent();
      } catch (IOException e) {
        return OptionalLong.empty(); // removed under us: the tree is ending
      }
    }

    @Override
    public OptionalLong kernelMemoryPeakBytes() {
      try {
        return group.memoryPeak();
      } catch (IOException e) {
        return OptionalLong.empty();
      }
    }

    @Override
    public KernelLimit kernelLimitHit() {
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
      List<Path> directories = new ArrayList<>();
      for (Path procs : group.procsFiles()) {
        directories.add(procs.getParent());
      }
      return directories;
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
      if (survivors.isEmpty()) {
        removeGroup();
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

    /** Notes the identities of {@code pids} as the tree's, so their zombies can be reaped. */
    private void noteMembers(Set<Long> pids) {
      for (long pid : pids) {
        ProcessInfo p = ProcFs.readStat(pid);
        if (p != null) {
          orphans.saw(p);
        }
      }
    }

    private Set<Long> pidsOrNone() {
      try {
        return group.pids();
      } catch (IOException e) {
        return Set.of();
      }
    }

    private void removeGroup() {
      synchronized (poolDirectoryLock) {
        try {
          group.remove();
        } catch (IOException e) {
          log.warn("cgroup {} could not be removed: {}", group.directory(), e.toString());
          return;
        }
        // The pool's directory goes with its last group; one with other groups stays.
        Set<Path> poolDirectories = new LinkedHashSet<>();
        for (Path procs : group.procsFiles()) {
          poolDirectories.add(procs.getParent().getParent());
        }
        for (Path pool : poolDirectories) {
          try {
            Files.delete(pool);
          } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            // other workers of the pool, or already gone
          } catch (IOException e) {
            log.debug("pool cgroup {} kept: {}", pool, e.toString());
          }
        }
      }
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
