package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.KeptFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker's group in cgroup v1: one directory per used controller, each hierarchy separate. The
 * memory controller is always there (v1 is chosen only with it); pids and freezer when the machine
 * has them. Membership is the union over the hierarchies: the root joins all of them before it
 * execs, so they agree unless root moves a process by hand.
 */
final class V1WorkerCgroup implements WorkerCgroup {
  private static final Duration KILL_BOUND = Duration.ofSeconds(5);
  private static final Duration REMOVE_BOUND = Duration.ofSeconds(2);

  /**
   * What an emptied group may still have charged without a reclaim before reuse: the kernel objects
   * a short tree leaves (a few hundred KiB, freed lazily), not worth a reclaim per task.
   */
  private static final long RECLAIM_ABOVE = 1 << 20;

  private final Map<String, Path> directories;
  private final Path memory;
  private final AtomicLong highestUsage = new AtomicLong();

  // The files every sample reads, resolved once.
  private final Path usageFile;
  private final Path statFile;
  private final Path oomControlFile;

  /** The pids controller's task count; null without the controller. */
  private final Path pidsCurrentFile;

  /** The files every sample reads, kept open until the group is removed. */
  private final KeptFiles sampled = new KeptFiles();

  /** The pids controller's count of refused forks, where the group has one. */
  private final PidsEvents pidsEvents;

  /**
   * @param poolDirectories the pool's directory per controller; must include memory
   */
  V1WorkerCgroup(Map<String, Path> poolDirectories, String workerId) {
    CgroupNames.requireSegment("workerId", workerId);
    Map<String, Path> dirs = new LinkedHashMap<>();
    // Memory first: the prelude joins in this order, and the cap is what matters most.
    dirs.put("memory", poolDirectories.get("memory").resolve(workerId));
    poolDirectories.forEach(
        (controller, pool) -> dirs.putIfAbsent(controller, pool.resolve(workerId)));
    this.directories = dirs;
    this.memory = dirs.get("memory");
    this.usageFile = memory.resolve("memory.usage_in_bytes");
    this.statFile = memory.resolve("memory.stat");
    this.oomControlFile = memory.resolve("memory.oom_control");
    Path pids = dirs.get("pids");
    this.pidsEvents = new PidsEvents(pids == null ? null : pids.resolve("pids.events"));
    this.pidsCurrentFile = pids == null ? null : pids.resolve("pids.current");
  }

  @Override
  public Path directory() {
    return memory;
  }

  @Override
  public void create() throws IOException {
    for (Path dir : directories.values()) {
      Files.createDirectories(dir);
    }
  }

  @Override
  public List<Path> procsFiles() {
    List<Path> files = new ArrayList<>();
    for (Path dir : directories.values()) {
      files.add(dir.resolve("cgroup.procs"));
    }
    return files;
  }

  @Override
  public Map<String, Path> tasksFiles() {
    Map<String, Path> files = new LinkedHashMap<>();
    directories.forEach((controller, dir) -> files.put(controller, dir.resolve("tasks")));
    return files;
  }

  @Override
  public Optional<String> whyNotReusable() throws IOException {
    for (Path dir : directories.values()) {
      int links = CgroupFiles.linkCount(dir);
      if (links < 0) {
        return Optional.of(dir + " is gone");
      }
      if (links != 2) {
        return Optional.of(dir + " holds sub-groups " + CgroupFiles.childNames(dir));
      }
      // Lists the thread group of any thread in the group, so no thread hides from it.
      Set<Long> ids = CgroupFiles.readPids(dir.resolve("cgroup.procs"), new TreeSet<>());
      if (!ids.isEmpty()) {
        return Optional.of(dir.resolve("cgroup.procs") + " lists " + ids);
      }
    }
    Path pids = directories.get("pids");
    if (pids != null) {
      long current = CgroupFiles.readLimit(pids.resolve("pids.current"));
      if (current != 0) {
        return Optional.of(pids.resolve("pids.current") + " is " + current + " (unreaped members)");
      }
    }
    if (forkRefusals().orElse(0) > 0) {
      return Optional.of("it refused a fork at pids.max");
    }
    if (oomKills().orElse(0) > 0) {
      return Optional.of("the OOM killer ended a member");
    }
    Path freezer = directories.get("freezer");
    if (freezer != null
        && !CgroupFiles.read(freezer.resolve("freezer.state")).trim().equals("THAWED")) {
      return Optional.of(freezer + " is not thawed");
    }
    return Optional.empty();
  }

  @Override
  public void resetForReuse() throws IOException {
    if (CgroupFiles.readLimit(memory.resolve("memory.usage_in_bytes")) > RECLAIM_ABOVE) {
      // Page cache of files the last tree wrote and left: dropped, so the next tree's usage and
      // peak do not start with it. Bounded by the kernel (a few reclaim passes).
      CgroupFiles.write(memory.resolve("memory.force_empty"), "0");
    }
    // The high-water mark restarts from the usage now: the next tree's peak is its own.
    CgroupFiles.write(memory.resolve("memory.max_usage_in_bytes"), "0");
    highestUsage.set(0);
  }

  @Override
  public void setMemoryMax(long bytes) throws IOException {
    Path limit = memory.resolve("memory.limit_in_bytes");
    Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
    if (!Files.exists(memsw)) {
      // No swap accounting (swapaccount=0): the cap is RAM only; the tree may also use swap.
      CgroupFiles.write(limit, Long.toString(bytes));
      return;
    }
    // The kernel keeps memsw >= limit at every step, so the order depends on the direction.
    if (bytes <= CgroupFiles.readLimit(limit)) {
      CgroupFiles.write(limit, Long.toString(bytes));
      CgroupFiles.write(memsw, Long.toString(bytes));
    } else {
      CgroupFiles.write(memsw, Long.toString(bytes));
      CgroupFiles.write(limit, Long.toString(bytes));
    }
  }

  @Override
  public void setMemoryHigh(long bytes) throws IOException {
    CgroupFiles.write(
        memory.resolve("memory.soft_limit_in_bytes"),
        bytes == CgroupFiles.UNLIMITED ? "-1" : Long.toString(bytes));
  }

  @Override
  public void setPidsMax(long max) throws IOException {
    Path pids = directories.get("pids");
    if (pids == null) {
      throw new UnsupportedOperationException(
          "the pids controller is not mounted for cgroup " + memory);
    }
    CgroupFiles.write(pids.resolve("pids.max"), Long.toString(max));
  }

  @Override
  public Set<Long> pids() throws IOException {
    Set<Long> pids = new TreeSet<>();
    for (Path dir : directories.values()) {
      CgroupFiles.readPidsOfSubtree(dir, pids);
    }
    return pids;
  }

  @Override
  public Set<Long> memberPids() throws IOException {
    // Read afresh each time, never through a kept descriptor: v1 caches a group's pid list per
    // open file and builds it anew only once it has gone unread for a second.
    return CgroupFiles.readPidsOfSubtree(memory, new TreeSet<>());
  }

  @Override
  public OptionalLong taskCount() throws IOException {
    return pidsCurrentFile == null
        ? OptionalLong.empty()
        : OptionalLong.of(CgroupFiles.readLimit(pidsCurrentFile, sampled::read));
  }

  @Override
  public OptionalLong memoryCurrent() throws IOException {
    long usage = CgroupFiles.readLimit(usageFile, sampled::read);
    highestUsage.accumulateAndGet(usage, Math::max);
    long inactiveFile =
        CgroupFiles.keyedValue(sampled.read(statFile), "total_inactive_file").orElse(0);
    return OptionalLong.of(Math.max(0, usage - inactiveFile));
  }

  @Override
  public OptionalLong memoryPeak() throws IOException {
    long recorded = CgroupFiles.readLimit(memory.resolve("memory.max_usage_in_bytes"));
    return OptionalLong.of(Math.max(recorded, highestUsage.get()));
  }

  @Override
  public OptionalLong oomKills() throws IOException {
    // "oom_kill" in memory.oom_control exists since 4.13; before that only under_oom.
    return OptionalLong.of(
        CgroupFiles.keyedValue(sampled.read(oomControlFile), "oom_kill").orElse(0));
  }

  @Override
  public OptionalLong forkRefusals() throws IOException {
    return pidsEvents.refusals(sampled);
  }

  @Override
  public boolean isPopulated() throws IOException {
    return !pids().isEmpty();
  }

  @Override
  public void killAll() throws IOException {
    Path freezer = directories.get("freezer");
    CgroupFreezer freezing =
        freezer != null && Files.exists(freezer.resolve("freezer.state"))
            ? CgroupFreezer.v1(freezer)
            : CgroupFreezer.NONE;
    KillLoop.killAll(memory.toString(), this::pids, freezing, KILL_BOUND);
  }

  @Override
  public void remove() throws IOException {
    sampled.close();
    IOException first = null;
    for (Path dir : directories.values()) {
      try {
        CgroupFiles.removeSubtree(dir, REMOVE_BOUND);
      } catch (IOException e) {
        // Still try the other hierarchies, so one busy group leaves as little behind as it can.
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public String toString() {
    return "cgroup v1 " + directories.keySet() + " " + memory;
  }
}
