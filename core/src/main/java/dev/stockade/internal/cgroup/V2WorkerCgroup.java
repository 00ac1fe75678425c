package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.KeptFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker's group in the cgroup v2 hierarchy. One directory holds membership, limits and counters;
 * the controllers the base enabled are enabled in the pool directory on {@link #create()}, which v2
 * allows because a pool directory never holds a process.
 */
final class V2WorkerCgroup implements WorkerCgroup {
  private static final Duration KILL_BOUND = Duration.ofSeconds(5);
  private static final Duration REMOVE_BOUND = Duration.ofSeconds(2);

  private final Path poolDirectory;
  private final Path directory;
  private final Set<String> controllers;
  private final AtomicLong highestCurrent = new AtomicLong();

  // The files every sample reads, resolved once.
  private final Path currentFile;
  private final Path statFile;
  private final Path eventsFile;

  /** The pids controller's task count; null without the controller. */
  private final Path pidsCurrentFile;

  /** The pids controller's count of refused forks, where the group has one. */
  private final PidsEvents pidsEvents;

  /** The files every sample reads, kept open until the group is removed. */
  private final KeptFiles sampled = new KeptFiles();

  /**
   * @param controllers the controllers enabled for pool directories ({@code memory}, {@code pids});
   *     empty for a hierarchy where neither is available
   */
  V2WorkerCgroup(Path poolDirectory, String workerId, Set<String> controllers) {
    this.poolDirectory = poolDirectory;
    this.directory = poolDirectory.resolve(CgroupNames.requireSegment("workerId", workerId));
    this.controllers = Set.copyOf(controllers);
    this.currentFile = directory.resolve("memory.current");
    this.statFile = directory.resolve("memory.stat");
    this.eventsFile = directory.resolve("memory.events");
    this.pidsCurrentFile = controllers.contains("pids") ? directory.resolve("pids.current") : null;
    this.pidsEvents =
        new PidsEvents(controllers.contains("pids") ? directory.resolve("pids.events") : null);
  }

  @Override
  public Path directory() {
    return directory;
  }

  @Override
  public void create() throws IOException {
    Files.createDirectories(poolDirectory);
    if (!controllers.isEmpty()) {
      CgroupFiles.write(poolDirectory.resolve("cgroup.subtree_control"), enableAll(controllers));
    }
    Files.createDirectories(directory);
  }

  static String enableAll(Set<String> controllers) {
    StringBuilder line = new StringBuilder();
    for (String c : new TreeSet<>(controllers)) {
      line.append(line.length() == 0 ? "+" : " +").append(c);
    }
    return line.toString();
  }

  @Override
  public List<Path> procsFiles() {
    return List.of(directory.resolve("cgroup.procs"));
  }

  @Override
  public void setMemoryMax(long bytes) throws IOException {
    require("memory");
    CgroupFiles.write(directory.resolve("memory.max"), Long.toString(bytes));
    Path swapMax = directory.resolve("memory.swap.max");
    if (Files.exists(swapMax)) {
      // memory.max caps RAM only; without this the tree could keep growing into swap, which is
      // how the incident this library exists for ended up 83 % into swap.
      CgroupFiles.write(swapMax, "0");
    }
  }

  @Override
  public void setMemoryHigh(long bytes) throws IOException {
    require("memory");
    CgroupFiles.write(
        directory.resolve("memory.high"),
        bytes == CgroupFiles.UNLIMITED ? "max" : Long.toString(bytes));
  }

  @Override
  public void setPidsMax(long max) throws IOException {
    require("pids");
    CgroupFiles.write(directory.resolve("pids.max"), Long.toString(max));
  }

  private void require(String controller) {
    if (!controllers.contains(controller)) {
      throw new UnsupportedOperationException(
          "the " + controller + " controller is not enabled for cgroup " + directory);
    }
  }

  @Override
  public Set<Long> pids() throws IOException {
    return CgroupFiles.readPidsOfSubtree(directory, new TreeSet<>());
  }

  @Override
  public Set<Long> memberPids() throws IOException {
    return CgroupFiles.readPidsOfSubtree(directory, new TreeSet<>(), sampled::read);
  }

  @Override
  public OptionalLong taskCount() throws IOException {
    return pidsCurrentFile == null
        ? OptionalLong.empty()
        : OptionalLong.of(CgroupFiles.readLimit(pidsCurrentFile, sampled::read));
  }

  @Override
  public OptionalLong memoryCurrent() throws IOException {
    if (!controllers.contains("memory")) {
      return OptionalLong.empty();
    }
    long current = CgroupFiles.readLimit(currentFile, sampled::read);
    highestCurrent.accumulateAndGet(current, Math::max);
    long inactiveFile = CgroupFiles.keyedValue(sampled.read(statFile), "inactive_file").orElse(0);
    return OptionalLong.of(Math.max(0, current - inactiveFile));
  }

  @Override
  public OptionalLong memoryPeak() throws IOException {
    if (!controllers.contains("memory")) {
      return OptionalLong.empty();
    }
    Path peak = directory.resolve("memory.peak");
    long recorded = Files.exists(peak) ? CgroupFiles.readLimit(peak) : 0;
    return OptionalLong.of(Math.max(recorded, highestCurrent.get()));
  }

  @Override
  public OptionalLong oomKills() throws IOException {
    if (!controllers.contains("memory")) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(CgroupFiles.keyedValue(sampled.read(eventsFile), "oom_kill").orElse(0));
  }

  @Override
  public OptionalLong forkRefusals() throws IOException {
    return pidsEvents.refusals(sampled);
  }

  @Override
  public boolean isPopulated() throws IOException {
    Path events = directory.resolve("cgroup.events");
    if (!Files.exists(events)) {
      return false;
    }
    // "populated" covers the whole subtree, so one read answers for nested groups too.
    return CgroupFiles.keyedValue(events, "populated").orElse(0) == 1;
  }

  @Override
  public void killAll() throws IOException {
    Path kill = directory.resolve("cgroup.kill");
    if (Files.exists(kill)) {
      CgroupFiles.write(kill, "1");
    } else if (Files.exists(directory)) {
      // cgroup.freeze came with 5.2; before it the loop races forks without a freezer.
      CgroupFreezer freezer =
          Files.exists(directory.resolve("cgroup.freeze"))
              ? CgroupFreezer.v2(directory)
              : CgroupFreezer.NONE;
      KillLoop.killAll(directory.toString(), this::pids, freezer, KILL_BOUND);
    }
  }

  @Override
  public void remove() throws IOException {
    sampled.close();
    CgroupFiles.removeSubtree(directory, REMOVE_BOUND);
  }

  @Override
  public String toString() {
    return "cgroup v2 " + directory;
  }
}
