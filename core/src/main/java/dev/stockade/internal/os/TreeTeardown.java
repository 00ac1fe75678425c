package dev.stockade.internal.os;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends every process of one tree without cgroups: freeze, then kill, then verify.
 *
 * <ol>
 *   <li>Freeze: SIGSTOP every member and walk {@code /proc} again until a walk finds no new member,
 *       so nothing can fork away between the scan and the kill.
 *   <li>If there is a grace period: SIGTERM every member, SIGCONT them so they can act on it, and
 *       wait up to the grace for them to end; then freeze again (a member may have forked while it
 *       ran).
 *   <li>SIGKILL every member.
 *   <li>Verify with {@code /proc} scans that no member is left alive (zombies count as dead).
 *   <li>Reap the members' zombies that are orphans of this JVM ({@link TreeOrphans}).
 * </ol>
 *
 * Every signal goes through {@link Signals}, so a recycled pid is never hit.
 */
public final class TreeTeardown {
  private static final Logger log = LoggerFactory.getLogger(TreeTeardown.class);
  private static final int MAX_FREEZE_ROUNDS = 100;
  private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();
  private static final Duration VERIFY_BOUND = Duration.ofSeconds(3);

  private final TreeMembership membership;
  private final TagIndex tags;

  /** Members this teardown sent SIGTERM or SIGKILL: the processes it ended, if they are gone. */
  private final Set<ProcessIdentity> signalled = new HashSet<>();

  private ProcessTable lastTable;

  public TreeTeardown(TreeMembership membership, TagIndex tags) {
    this.membership = membership;
    this.tags = tags;
  }

  /**
   * Ends the tree, waiting at most {@code grace} for it to obey SIGTERM, then reaps the zombies it
   * left as children of this JVM ({@link TreeOrphans}).
   */
  public TeardownReport end(Duration grace) {
    TeardownReport report = endMembers(grace);
    membership.orphans().reapAfterEnd(lastTable, membership.pidFloorNow());
    return report;
  }

  private TeardownReport endMembers(Duration grace) {
    long start = System.nanoTime();
    List<ProcessInfo> members = freeze();
    if (members.isEmpty()) {
      // The usual end of a command that exited cleanly: one scan proves nothing is left.
      return new TeardownReport(0, List.of(), Duration.ofNanos(System.nanoTime() - start));
    }
    if (!members.isEmpty() && !grace.isZero()) {
      for (ProcessInfo p : members) {
        end(p, Signal.TERM);
      }
      for (ProcessInfo p : members) {
        Signals.send(p.identity(), Signal.CONT);
      }
      long deadline = System.nanoTime() + grace.toNanos();
      while (!members.isEmpty() && System.nanoTime() < deadline) {
        LockSupport.parkNanos(POLL_NANOS * 4);
        members = scan();
      }
      if (!members.isEmpty()) {
        members = freeze();
      }
    }
    for (ProcessInfo p : members) {
      end(p, Signal.KILL);
    }
    List<ProcessIdentity> survivors = verify();
    if (!survivors.isEmpty()) {
      log.error(
          "processes of tree {} survived SIGKILL for {}: {}",
          membership.tag(),
          VERIFY_BOUND,
          survivors);
    }
    signalled.removeAll(survivors);
    return new TeardownReport(
        signalled.size(), survivors, Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * Sends an ending signal and remembers the member as one this teardown ended. A process a member
   * started and that ended by itself while the others had their grace got no such signal, and is
   * not counted.
   */
  private void end(ProcessInfo p, Signal signal) {
    if (Signals.send(p.identity(), signal) == Signals.Delivery.SENT) {
      signalled.add(p.identity());
    }
  }

  private List<ProcessInfo> freeze() {
    Set<ProcessIdentity> stopped = new HashSet<>();
    List<ProcessInfo> members = List.of();
    for (int round = 0; round < MAX_FREEZE_ROUNDS; round++) {
      members = scan();
      boolean foundNew = false;
      for (ProcessInfo p : members) {
        if (stopped.add(p.identity())) {
          foundNew = true;
          Signals.send(p.identity(), Signal.STOP);
        }
      }
      if (!foundNew) {
        return members;
      }
    }
    log.warn(
        "tree {} kept growing through {} freeze rounds; killing what was found",
        membership.tag(),
        MAX_FREEZE_ROUNDS);
    return members;
  }

  private List<ProcessInfo> scan() {
    // The pid counter read now: a member forked after a wrap has a pid below the root's.
    ProcessTable table = ProcessTable.scan(membership.pidFloorNow());
    lastTable = table;
    tags.update(table);
    return membership.refresh(table, tags);
  }

  private List<ProcessIdentity> verify() {
    long deadline = System.nanoTime() + VERIFY_BOUND.toNanos();
    List<ProcessInfo> members = scan();
    while (!members.isEmpty() && System.nanoTime() < deadline) {
      // A member found only now (forked in the instant before its parent's SIGKILL) is killed
      // too; SIGKILL needs no freeze since a killed parent forks no more.
      for (ProcessInfo p : members) {
        end(p, Signal.KILL);
      }
      LockSupport.parkNanos(POLL_NANOS);
      members = scan();
    }
    List<ProcessIdentity> survivors = new ArrayList<>();
    for (ProcessInfo p : members) {
      survivors.add(p.identity());
    }
    return survivors;
  }
}
