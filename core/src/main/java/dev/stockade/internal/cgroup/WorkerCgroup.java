package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.Uninterruptibly;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The cgroup of one worker's tree, {@code <base>/stockade/<poolId>/<workerId>} (in each used
 * controller's hierarchy under v1): membership the kernel keeps, so no descendant can leave it by
 * forking, re-parenting to init or starting a new session.
 *
 * <p>Lifecycle: {@link #create()}, then the worker's root process writes its own pid to every file
 * of {@link #procsFiles()} before it execs the real command (a shell prelude {@code echo $$ > file
 * && ... && exec "$@"}), so every descendant is born inside. At the end: {@link #killAll()}, {@link
 * #awaitEmpty(Duration)}, {@link #remove()}.
 *
 * <p>Memory readings need the memory controller; without it (v2 where memory is not enabled) they
 * are empty and the memory limits throw. Readings count the whole subtree of the group. Safe for
 * use from several threads; each call reads or writes the kernel's files directly.
 */
public interface WorkerCgroup {
  /** The worker's group directory (under v1: the one in the memory hierarchy). */
  Path directory();

  /** Makes the group's directories (missing parents too); a group that exists is kept. */
  void create() throws IOException;

  /**
   * The {@code cgroup.procs} files the worker's root must write its own pid to before it execs the
   * command: one under v2, one per used controller under v1 (memory first).
   */
  List<Path> procsFiles();

  /**
   * The {@code tasks} file of the group per controller, for {@link ThreadPlacement}: under v1,
   * where one thread can be moved alone; empty under v2.
   */
  default Map<String, Path> tasksFiles() {
    return Map.of();
  }

  /**
   * Why this group may not hold another tree, read from the kernel's own files; empty if it may. It
   * may only when it holds no process and no thread ({@code cgroup.procs} and {@code tasks} empty
   * in every hierarchy), no sub-group, no unreaped member ({@code pids.current} 0), counted no OOM
   * kill and no refused fork (counters that cannot be reset), and is not frozen. Under v2 groups
   * are never reused (see {@link CgroupBase#reusesGroups()}).
   */
  default Optional<String> whyNotReusable() throws IOException {
    return Optional.of("cgroup v2 groups are not reused");
  }

  /**
   * Prepares a group {@link #whyNotReusable()} cleared for the next tree: memory still charged to
   * it beyond 1 MiB (page cache of files the last tree left) is reclaimed, and the recorded peak
   * restarts from the usage that remains, so the next tree's peak is its own (give or take the few
   * hundred KiB of kernel objects a tree leaves charged for a while).
   */
  default void resetForReuse() throws IOException {
    throw new UnsupportedOperationException("cgroup v2 groups are not reused");
  }

  /**
   * Hard memory limit of the whole tree; beyond it the kernel reclaims and then OOM-kills inside
   * the group. Swap counts against it where the kernel accounts swap: v2 sets {@code memory.max}
   * and {@code memory.swap.max = 0}; v1 sets {@code memory.limit_in_bytes} and, where swap
   * accounting exists, {@code memory.memsw.limit_in_bytes} to the same value (RAM and swap
   * together). A v1 kernel without swap accounting caps RAM only.
   *
   * @throws UnsupportedOperationException without the memory controller
   */
  void setMemoryMax(long bytes) throws IOException;

  /**
   * Soft memory limit: v2 {@code memory.high} (the kernel throttles and reclaims the tree above it,
   * never kills); v1 {@code memory.soft_limit_in_bytes} (only a reclaim target when the whole host
   * is short of memory). Neither ends anything: recycling at a soft limit is the pool's decision,
   * from {@link #memoryCurrent()}. {@link Long#MAX_VALUE} removes the soft limit.
   *
   * @throws UnsupportedOperationException without the memory controller
   */
  void setMemoryHigh(long bytes) throws IOException;

  /**
   * Most processes (and threads) the tree may have at once; a fork beyond it fails with {@code
   * EAGAIN}. v2 and v1 both write {@code pids.max}.
   *
   * @throws UnsupportedOperationException without the pids controller
   */
  void setPidsMax(long max) throws IOException;

  /**
   * The processes in the group now, sub-groups included. A process leaves the group when it exits,
   * not when its parent reaps it: zombies are not listed (measured on a 6.x kernel, v1 and v2
   * alike; the pids controller's {@code pids.current} does count a zombie until it is reaped).
   */
  Set<Long> pids() throws IOException;

  /**
   * The processes a sample of the tree counts: those of the group that holds its memory cap,
   * sub-groups included. Only root can move a process out of it; such a process is still ended with
   * the tree, by {@link #pids()}, which a teardown reads. Cheaper than {@link #pids()} where each
   * controller has a hierarchy of its own (v1).
   */
  default Set<Long> memberPids() throws IOException {
    return pids();
  }

  /**
   * How many tasks — processes and their threads, zombies not yet reaped included — the group and
   * its sub-groups hold, as the pids controller counts them ({@code pids.current}): one read,
   * without listing them. A sample of a quiet tree compares it with the last one to know that no
   * process came or went, instead of reading the members. Empty without the pids controller.
   */
  default OptionalLong taskCount() throws IOException {
    return OptionalLong.empty();
  }

  /**
   * Memory the tree uses now, page cache that can simply be dropped excluded: the usage less {@code
   * inactive_file} of {@code memory.stat} (as {@code docker stats} counts). Empty without the
   * memory controller.
   */
  OptionalLong memoryCurrent() throws IOException;

  /**
   * The highest usage the kernel recorded for the group, page cache included (v2 {@code
   * memory.peak}, v1 {@code memory.max_usage_in_bytes}), and never below the highest usage this
   * object read: the kernel updates that mark without a lock (its source says it "can live with
   * some inaccuracy"), so two CPUs charging at once can leave it below a usage read just before,
   * which a 2-CPU cgroup v2 VM showed. On v2 kernels before 5.19, which have no {@code
   * memory.peak}, the highest usage this object read. Empty without the memory controller.
   */
  OptionalLong memoryPeak() throws IOException;

  /** How many processes of the group the OOM killer ended. Empty without the memory controller. */
  OptionalLong oomKills() throws IOException;

  /**
   * How many forks the kernel refused because the group was at {@code pids.max} (the {@code max}
   * count of {@code pids.events}). Empty without the pids controller.
   */
  OptionalLong forkRefusals() throws IOException;

  /** Whether any process is in the group (zombies are not). */
  boolean isPopulated() throws IOException;

  /**
   * SIGKILLs every process in the group without a window for a fork to escape: v2 writes {@code
   * cgroup.kill} (kernel 5.14+); otherwise the group is frozen, every member killed, then thawed,
   * until the group is empty or a few seconds have passed. Returns without waiting for the kernel
   * to finish the kills: follow with {@link #awaitEmpty(Duration)}.
   */
  void killAll() throws IOException;

  /**
   * Waits at most {@code bound} for the group to hold no process; true if it became empty. Zombies
   * count as gone: a killed process whose parent (often init, which reaps lazily) has not reaped it
   * yet is no longer in the group.
   */
  default boolean awaitEmpty(Duration bound) throws IOException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (isPopulated()) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Uninterruptibly.sleep(Duration.ofMillis(1));
    }
    return true;
  }

  /**
   * Removes the group's directories, deepest first, retrying for a moment while the kernel still
   * holds a just-emptied group. An unreaped zombie of the group does not stop the removal. A group
   * already gone counts as removed.
   *
   * @throws IOException if a directory remains, for instance because a process is still inside
   */
  void remove() throws IOException;
}
