package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.ContainmentStrategy.TreeLimits;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker groups of one pool, {@code <base>/stockade/<poolId>/g<n>}: made when no kept group is
 * free, and — where the base {@link CgroupBase#reusesGroups() reuses groups} — kept after a tree
 * that ended by itself and left nothing, for the next tree. A kept group is proven empty from the
 * kernel's files ({@link WorkerCgroup#whyNotReusable()}) just before it is handed out, then its
 * peak is reset; one that fails the proof is ended and removed, never reused. Limits are written
 * only where they differ from what the group already has. A group whose tree left processes behind
 * is removed when the tree ends, as are the kept ones at {@link #close()}.
 *
 * <p>Kept groups are told to a {@link KeptCgroups} (the lifeline), so they are removed even if the
 * JVM dies while they wait.
 */
final class WorkerGroups {
  private static final Logger log = LoggerFactory.getLogger(WorkerGroups.class);
  private static final Duration EMPTY_BOUND = Duration.ofSeconds(3);

  /** A worker group and the limits last written to it. */
  static final class Group {
    final WorkerCgroup cgroup;
    private long memoryMax = -1;
    private long memoryHigh = CgroupFiles.UNLIMITED;
    private long pidsMax = -1;

    Group(WorkerCgroup cgroup) {
      this.cgroup = cgroup;
    }

    String key() {
      return cgroup.directory().toString();
    }
  }

  private final CgroupBase base;
  private final String poolId;
  private final KeptCgroups keeper;
  // Creating a group and removing the pool's directory after the last one must not interleave:
  // a removal between the two would leave the new group without its controllers.
  private final Object lock = new Object();
  private final Deque<Group> idle = new ArrayDeque<>();
  private int made;
  private boolean closed;

  WorkerGroups(CgroupBase base, String poolId, KeptCgroups keeper) {
    this.base = base;
    this.poolId = poolId;
    this.keeper = keeper;
  }

  /** A group for a new tree under {@code limits}: a kept one proven empty, or a new one. */
  Group acquire(TreeLimits limits) throws IOException {
    Group group = reusable();
    if (group == null) {
      synchronized (lock) {
        group = new Group(base.worker(poolId, "g" + (++made)));
        group.cgroup.create();
      }
      if (base.reusesGroups()) {
        keeper.kept(group.key(), directories(group));
      }
    }
    try {
      limit(group, limits);
    } catch (IOException | RuntimeException e) {
      remove(group);
      throw e;
    }
    return group;
  }

  /** The first kept group that proves empty, reset; the ones that do not are removed. */
  private Group reusable() {
    while (true) {
      Group group;
      synchronized (lock) {
        group = idle.pollFirst();
      }
      if (group == null) {
        return null;
      }
      Optional<String> why;
      try {
        why = group.cgroup.whyNotReusable();
        if (why.isEmpty()) {
          group.cgroup.resetForReuse();
          return group;
        }
      } catch (IOException e) {
        why = Optional.of(e.toString());
      }
      log.info("cgroup {} not reused: {}; ending and removing it", group.cgroup, why.get());
      try {
        group.cgroup.killAll();
        group.cgroup.awaitEmpty(EMPTY_BOUND);
      } catch (IOException e) {
        log.warn("cgroup {} could not be ended: {}", group.cgroup, e.toString());
      }
      remove(group);
    }
  }

  private void limit(Group group, TreeLimits limits) throws IOException {
    WorkerCgroup cgroup = group.cgroup;
    if (base.hasMemoryController()) {
      if (group.memoryMax != limits.memoryBytes()) {
        cgroup.setMemoryMax(limits.memoryBytes());
        group.memoryMax = limits.memoryBytes();
      }
      long high = limits.softMemoryBytes() > 0 ? limits.softMemoryBytes() : CgroupFiles.UNLIMITED;
      if (group.memoryHigh != high) {
        cgroup.setMemoryHigh(high);
        group.memoryHigh = high;
      }
    }
    if (base.controllers().contains("pids")) {
      long pids = CgroupContainmentStrategy.pidsMax(limits.processes());
      if (group.pidsMax != pids) {
        cgroup.setPidsMax(pids);
        group.pidsMax = pids;
      }
    }
  }

  /**
   * Takes back the group of a tree that has ended and whose group was emptied: kept if {@code
   * leftNothing} (the tree's processes had all exited before its end began) and groups are reused,
   * else removed.
   */
  void release(Group group, boolean leftNothing) {
    if (leftNothing && base.reusesGroups()) {
      synchronized (lock) {
        if (!closed) {
          idle.addFirst(group);
          return;
        }
      }
    }
    remove(group);
  }

  /** Removes the kept groups; groups released from now on are removed too. */
  void close() {
    List<Group> kept;
    synchronized (lock) {
      closed = true;
      kept = new ArrayList<>(idle);
      idle.clear();
    }
    for (Group group : kept) {
      try {
        // Empty unless someone moved a process in: then it is ended like any member.
        group.cgroup.killAll();
        group.cgroup.awaitEmpty(EMPTY_BOUND);
      } catch (IOException e) {
        log.warn("cgroup {} could not be ended: {}", group.cgroup, e.toString());
      }
      remove(group);
    }
  }

  static List<Path> directories(Group group) {
    List<Path> directories = new ArrayList<>();
    for (Path procs : group.cgroup.procsFiles()) {
      directories.add(procs.getParent());
    }
    return directories;
  }

  /** Removes {@code group}, and the pool's directory with its last group. */
  void remove(Group group) {
    synchronized (lock) {
      try {
        group.cgroup.remove();
      } catch (IOException e) {
        log.warn("cgroup {} could not be removed: {}", group.cgroup.directory(), e.toString());
        return;
      }
      if (base.reusesGroups()) {
        keeper.dropped(group.key());
      }
      // The pool's directory goes with its last group; one with other groups stays.
      Set<Path> poolDirectories = new LinkedHashSet<>();
      for (Path dir : directories(group)) {
        poolDirectories.add(dir.getParent());
      }
      for (Path pool : poolDirectories) {
        try {
          Files.delete(pool);
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
          // other groups of the pool, or already gone
        } catch (IOException e) {
          log.debug("pool cgroup {} kept: {}", pool, e.toString());
        }
      }
    }
  }
}
