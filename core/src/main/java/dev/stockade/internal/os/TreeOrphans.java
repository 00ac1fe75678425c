package dev.stockade.internal.os;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * The zombies of one tree that this JVM may reap ({@link OrphanReaper}): a zombie child of this JVM
 * that is proven to be the tree's and not a process this JVM forked, because
 *
 * <ul>
 *   <li>its identity (pid and start time) was found as a member of the tree — alive, or already a
 *       zombie — by a sample or the teardown; or
 *   <li>it is in the session or process group of one of the tree's roots and not older than it;
 *   <li>it is in the session or process group led by a member that was seen, and not older than
 *       that member: a session or group is joined only by descent from its leader (a browser that
 *       called setsid, and the helpers it forked and that died unseen with it);
 *   <li>it leads the session or process group of such a member and is not older than it: the middle
 *       process of a daemon's double fork (fork, setsid, fork, exit), which lives too briefly to be
 *       seen;
 * </ul>
 *
 * and it is never a root that this JVM launched (whose exit the launcher waits for). The only
 * processes this JVM forks are such roots, the lifeline's watchdog and what the application starts
 * itself: none of them is a child of a member, carries the tree's tag, or joins a root's session,
 * so neither rule can admit one (docs/decisions.md, "No zombies").
 *
 * <p>Runs on each housekeeper sample of the tree and after its teardown, and only where this JVM
 * adopts orphans (pid 1 or a child subreaper, read once when the tree starts): elsewhere none of
 * the tree's zombies is a child of this JVM, and noting members or walking the table would cost
 * each sample for nothing. Thread-safe.
 */
public final class TreeOrphans {
  /** How long a teardown waits for killed members to finish dying and hand their orphans on. */
  private static final Duration SETTLE_BOUND = Duration.ofSeconds(1);

  private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();

  private final boolean adopting = OrphanReaper.adoptsOrphans();

  /** Roots whose session and group hold the tree; one is dropped once its pid is another's. */
  private final List<ProcessIdentity> groupRoots;

  private final Set<Long> launchedRoots;
  private final Set<ProcessIdentity> seen = new HashSet<>();

  /** The sessions and process groups of the members seen, with their oldest member's start. */
  private final Map<Long, Long> seenLeaders = new HashMap<>();

  /**
   * The members seen, by pid, with their start: kept while a process of the session or group such a
   * member leads is left, so its helpers are known for the tree's after its own end.
   */
  private final Map<Long, Long> seenMembers = new HashMap<>();

  /**
   * @param groupRoots roots whose session and process group hold the tree
   * @param launchedRoots pids this JVM launched for the tree: never reaped here
   */
  public TreeOrphans(List<ProcessIdentity> groupRoots, Set<Long> launchedRoots) {
    this.groupRoots = new ArrayList<>(groupRoots);
    this.launchedRoots = Set.copyOf(launchedRoots);
  }

  /** Whether this JVM adopts the tree's orphans, so that there is anything to note or reap. */
  public boolean adoptsOrphans() {
    return adopting;
  }

  /** How many identities, sessions and groups it remembers: bounded by what is still alive. */
  synchronized int remembered() {
    return seen.size() + seenLeaders.size() + seenMembers.size();
  }

  /** Notes a process found as a member of the tree, alive or a zombie. */
  public synchronized void saw(ProcessInfo p) {
    if (adopting && !launchedRoots.contains(p.pid())) {
      seen.add(p.identity());
      seenMembers.put(p.pid(), p.startTime());
      seenLeaders.merge(p.sid(), p.startTime(), Math::min);
      seenLeaders.merge(p.pgid(), p.startTime(), Math::min);
    }
  }

  /**
   * Reaps the tree's zombies that are children of this JVM in {@code table}, and forgets the
   * processes that are gone. Returns how many it reaped.
   */
  public synchronized int reap(ProcessTable table) {
    if (!adopting) {
      return 0;
    }
    seen.removeIf(id -> id.pid() >= table.floorPid() && table.find(id) == null);
    if (seen.isEmpty()) {
      seenLeaders.clear();
    }
    Set<Long> leadersInUse = new HashSet<>();
    for (ProcessInfo p : table.all()) {
      leadersInUse.add(p.sid());
      leadersInUse.add(p.pgid());
    }
    // What is forgotten: a member gone with no process left in the session or group it led,
    // and the session or group of one. The kernel gives a pid to no new process while it
    // still names a session or group, so a pid held by a process other than the one noted
    // means that one's session and group are gone too; keeping it would let the newcomer's
    // own session pass as the tree's.
    seenMembers.entrySet().removeIf(e -> isGone(e.getKey(), e.getValue(), table, leadersInUse));
    seenLeaders.keySet().removeIf(pid -> pid >= table.floorPid() && !leadersInUse.contains(pid));
    groupRoots.removeIf(root -> isGone(root.pid(), root.startTime(), table, leadersInUse));
    int reaped = 0;
    for (ProcessInfo p : table.all()) {
      if (p.state() == 'Z'
          && p.ppid() == OrphanReaper.SELF
          && isOfTree(p)
          && !launchedRoots.contains(p.pid())
          && OrphanReaper.reap(p.identity())) {
        seen.remove(p.identity());
        reaped++;
      }
    }
    return reaped;
  }

  /**
   * After the tree's teardown: reaps its zombies from a table of the pids from {@code pidFloor},
   * and again from fresh tables of the pids from {@code pidFloor} while the tree is still settling,
   * for at most {@link #SETTLE_BOUND}: while a process of it is still alive (dying), or a zombie of
   * it still waits for its parent, this JVM or another process of the tree. A zombie is handed on
   * to its new parent only once every thread of its old one has exited, and a multi-threaded parent
   * (a browser) shows as a zombie before its last thread has. Returns how many it reaped.
   */
  public int reapAfterEnd(long pidFloor) {
    return adopting ? reapAfterEnd(ProcessTable.scan(pidFloor), pidFloor) : 0;
  }

  /** As {@link #reapAfterEnd(long)}, starting from {@code last}, the teardown's last table. */
  public int reapAfterEnd(ProcessTable last, long pidFloor) {
    if (!adopting) {
      return 0;
    }
    long deadline = System.nanoTime() + SETTLE_BOUND.toNanos();
    ProcessTable table = last;
    int reaped = reap(table);
    while (isSettling(table) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(POLL_NANOS);
      table = ProcessTable.scan(pidFloor);
      reaped += reap(table);
    }
    return reaped;
  }

  private synchronized boolean isSettling(ProcessTable table) {
    for (ProcessInfo p : table.all()) {
      if (!isOfTree(p)) {
        continue;
      }
      if (!p.isEnded()) {
        // Dying, if the teardown knew it; a live process known only by its session's leader
        // escaped the teardown (the pipe-holder sweep's to find), and waiting cannot end it.
        if (isMemberOrRootSession(p)) {
          return true;
        }
        continue;
      }
      if (p.ppid() == OrphanReaper.SELF) {
        return true;
      }
      // A zombie waits for its parent: one that is dying or dead hands it on soon.
      ProcessInfo parent = table.get(p.ppid());
      if (parent != null && (parent.isEnded() ? isOfTree(parent) : isMemberOrRootSession(parent))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the process {@code pid} that started at {@code startTime}, and any session or group it
   * led, are gone from {@code table}.
   */
  private static boolean isGone(
      long pid, long startTime, ProcessTable table, Set<Long> leadersInUse) {
    if (pid < table.floorPid()) {
      return false; // not in this table: nothing is known of it
    }
    ProcessInfo now = table.get(pid);
    return now != null ? now.startTime() != startTime : !leadersInUse.contains(pid);
  }

  private boolean ledBySeenMember(long leader, ProcessInfo p) {
    Long leaderStart = seenMembers.get(leader);
    return leaderStart != null && p.startTime() >= leaderStart && !launchedRoots.contains(p.pid());
  }

  private boolean isOfTree(ProcessInfo p) {
    return isMemberOrRootSession(p) || ledBySeenMember(p.sid(), p) || ledBySeenMember(p.pgid(), p);
  }

  private boolean isMemberOrRootSession(ProcessInfo p) {
    if (seen.contains(p.identity())) {
      return true;
    }
    Long oldestLed = seenLeaders.get(p.pid());
    if (oldestLed != null && p.startTime() <= oldestLed && !launchedRoots.contains(p.pid())) {
      return true;
    }
    for (ProcessIdentity root : groupRoots) {
      if ((p.sid() == root.pid() || p.pgid() == root.pid()) && p.startTime() >= root.startTime()) {
        return true;
      }
    }
    return false;
  }
}
