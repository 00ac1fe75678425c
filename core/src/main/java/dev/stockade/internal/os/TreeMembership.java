package dev.stockade.internal.os;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which processes belong to one worker's tree, without cgroups. No single signal is enough (see
 * docs/decisions.md): Chrome rewrites the environment of its helpers, its crashpad handler
 * double-forks into a session of its own, and puppeteer starts Chrome in a new session. So a
 * process belongs if any of these holds:
 *
 * <ul>
 *   <li>it was a member before (identities are remembered while they live, so a member that was
 *       re-parented to init stays one);
 *   <li>it is in the root's session or process group (started after the root, so a recycled root
 *       pid does not pull in a stranger);
 *   <li>it carries the tree's {@code STOCKADE_TAG};
 *   <li>its parent is a member.
 * </ul>
 *
 * <p>Thread-safe: refreshed by the housekeeper while the tree runs, then by its teardown.
 */
public final class TreeMembership {
  private final List<ProcessIdentity> roots;
  private final String tag;
  // Identities of members; a dead identity can never match again (its start time is in it),
  // so entries are dropped once the process is gone.
  private final Map<Long, ProcessIdentity> members = new HashMap<>();

  private final long pidEpoch;
  private final TreeOrphans orphans;

  /**
   * The census generation of the last refresh that knew its arrivals; -1 before the first, which
   * reads the whole table.
   */
  private long lastGeneration = -1;

  /** Membership of a tree whose root was spawned just now (see {@link PidCounter}). */
  public TreeMembership(ProcessIdentity root, String tag) {
    this(root, tag, PidCounter.epochAtSpawn(root.pid()));
  }

  public TreeMembership(ProcessIdentity root, String tag, long pidEpoch) {
    this(List.of(root), tag, pidEpoch);
  }

  /**
   * Membership of the processes that grew from several roots found at once (a tree's escaped
   * members): each root's descendants, session and group belong, as for a single root. The first
   * root stands for them in {@link #root()} and {@link #pidFloor()}.
   */
  public TreeMembership(List<ProcessIdentity> roots, String tag, long pidEpoch) {
    this(roots, tag, pidEpoch, roots);
  }

  /**
   * As {@link #TreeMembership(List, String, long)}, for roots this JVM did not launch (escaped
   * members found later): {@code launched} are the tree's roots that it did, never reaped by {@link
   * #orphans()}.
   */
  public TreeMembership(
      List<ProcessIdentity> roots, String tag, long pidEpoch, List<ProcessIdentity> launched) {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("roots must not be empty");
    }
    this.roots = List.copyOf(roots);
    this.tag = tag;
    this.pidEpoch = pidEpoch;
    for (ProcessIdentity root : roots) {
      members.put(root.pid(), root);
    }
    Set<Long> launchedPids = new HashSet<>();
    for (ProcessIdentity root : launched) {
      launchedPids.add(root.pid());
    }
    this.orphans = new TreeOrphans(roots, launchedPids);
  }

  /** The tree's zombies this JVM may reap; every process {@link #refresh} finds is noted. */
  public TreeOrphans orphans() {
    return orphans;
  }

  /** The lowest pid a member can have: a scan for this tree may skip every lower one. */
  public long pidFloor() {
    return PidCounter.floorFor(roots.get(0).pid(), pidEpoch);
  }

  /** As {@link #pidFloor()}, from the pid counter as it is now: for a teardown's scans. */
  public long pidFloorNow() {
    return PidCounter.floorNow(roots.get(0).pid(), pidEpoch);
  }

  public ProcessIdentity root() {
    return roots.get(0);
  }

  public String tag() {
    return tag;
  }

  /**
   * Adds every process of {@code table} that belongs and returns the live members (zombies
   * excluded: they count as ended).
   *
   * <p>Where the table knows what arrived since this membership's last refresh ({@link
   * ProcessTable#arrivalsSince}), only the members and the arrivals are looked at: a process that
   * did not belong when it arrived can only come to belong through its parent or its tag, and those
   * are judged when it arrives (a tag read late makes it arrive again). Otherwise the whole table
   * is.
   */
  public synchronized List<ProcessInfo> refresh(ProcessTable table, TagIndex tags) {
    Deque<ProcessInfo> frontier = new ArrayDeque<>();
    Map<Long, ProcessInfo> found = new HashMap<>();
    for (ProcessIdentity identity : members.values()) {
      ProcessInfo p = table.find(identity);
      if (p != null) {
        found.put(p.pid(), p);
        frontier.add(p);
      }
    }
    ProcessTable.Arrivals arrivals = table.arrivalsSince(lastGeneration);
    for (ProcessInfo p : arrivals.isKnown() ? arrivals.processes() : candidates(table, tags)) {
      if (found.containsKey(p.pid())) {
        continue;
      }
      if (inRootGroup(p) || tag.equals(tags.tagOf(p))) {
        ProcessInfo now = arrivals.isKnown() ? table.find(p.identity()) : p;
        if (now != null) {
          found.put(now.pid(), now);
          frontier.add(now);
        }
      }
    }
    Map<Long, List<ProcessInfo>> arrivedByParent =
        arrivals.isKnown() ? byParent(arrivals.processes()) : null;
    while (!frontier.isEmpty()) {
      ProcessInfo parent = frontier.poll();
      List<ProcessInfo> children =
          arrivedByParent == null
              ? table.childrenOf(parent.pid())
              : arrivedByParent.getOrDefault(parent.pid(), List.of());
      for (ProcessInfo child : children) {
        // A child cannot be older than its parent; an older "child" means the parent's pid
        // was recycled after the child was re-parented.
        if (child.startTime() >= parent.startTime() && !found.containsKey(child.pid())) {
          ProcessInfo now = arrivedByParent == null ? child : table.find(child.identity());
          if (now != null) {
            found.put(now.pid(), now);
            frontier.add(now);
          }
        }
      }
    }
    if (arrivals.generation() > lastGeneration) {
      lastGeneration = arrivals.generation();
    }
    members.clear();
    List<ProcessInfo> live = new ArrayList<>(found.size());
    for (ProcessInfo p : found.values()) {
      orphans.saw(p);
      if (!p.isEnded()) {
        members.put(p.pid(), p.identity());
        live.add(p);
      }
    }
    return live;
  }

  /**
   * The processes of the whole table that may belong by session, group or tag: from the table's
   * indexes, so that the trees of one tick share one pass over it.
   */
  private List<ProcessInfo> candidates(ProcessTable table, TagIndex tags) {
    List<ProcessInfo> candidates = new ArrayList<>(table.taggedWith(tag, tags));
    for (ProcessIdentity root : roots) {
      candidates.addAll(table.inSessionOrGroup(root.pid()));
    }
    return candidates;
  }

  /** {@code processes} by parent pid, as each was when it arrived. */
  private static Map<Long, List<ProcessInfo>> byParent(List<ProcessInfo> processes) {
    Map<Long, List<ProcessInfo>> index = new HashMap<>();
    for (ProcessInfo p : processes) {
      index.computeIfAbsent(p.ppid(), k -> new ArrayList<>(2)).add(p);
    }
    return index;
  }

  /** In a root's session or process group, and not older than it (a recycled pid's). */
  private boolean inRootGroup(ProcessInfo p) {
    for (ProcessIdentity root : roots) {
      if ((p.sid() == root.pid() || p.pgid() == root.pid()) && p.startTime() >= root.startTime()) {
        return true;
      }
    }
    return false;
  }
}
