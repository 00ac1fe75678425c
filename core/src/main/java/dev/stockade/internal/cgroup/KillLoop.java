package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.internal.os.Uninterruptibly;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends every process of a group where the kernel has no {@code cgroup.kill} (v1, and v2 before
 * 5.14): freeze the group, SIGKILL every member, thaw; then, without freezing, poll until the group
 * is empty, and freeze and kill again only when a member appears that was not killed before.
 *
 * <p>With a freezer one frozen round normally suffices: the member list read while frozen is
 * complete, and each member dies at the thaw before it can run a single instruction, so the polls
 * that follow only watch the killed leave the group. Freezing a group of dying processes on every
 * poll would only delay them. A member never killed before — a fork that raced the kill, where the
 * freezer did not report frozen or there is none — starts another frozen round, which kills every
 * such member: the child is in the group, so a poll finds it, and since every killed process dies
 * and a process that dies forks no more, the rounds end. Members are told apart by identity (pid
 * and start time), so a new member with the pid of a killed one is killed too. Signals go through
 * {@link Signals}, so a pid that was recycled in between is never hit.
 */
final class KillLoop {
  private static final Logger log = LoggerFactory.getLogger(KillLoop.class);
  private static final Duration FREEZE_BOUND = Duration.ofSeconds(1);
  private static final Duration POLL = Duration.ofMillis(1);

  /** The current members of the group. */
  interface Members {
    Set<Long> read() throws IOException;
  }

  private KillLoop() {}

  /**
   * Kills until {@code members} reads empty or {@code bound} has passed; true if it became empty.
   * The group is always thawed before this returns.
   */
  static boolean killAll(String group, Members members, CgroupFreezer freezer, Duration bound)
      throws IOException {
    long deadline = System.nanoTime() + bound.toNanos();
    Set<ProcessIdentity> killed = new HashSet<>();
    Set<Long> pids = frozenRound(group, members, freezer, killed);
    while (!pids.isEmpty()) {
      if (System.nanoTime() >= deadline) {
        log.warn("cgroup {} still had processes {} after killing for {}", group, pids, bound);
        return members.read().isEmpty();
      }
      // Give the killed a moment to leave the group before reading it again.
      Uninterruptibly.sleep(POLL);
      pids = members.read();
      if (hasUnkilled(pids, killed)) {
        pids = frozenRound(group, members, freezer, killed);
      }
    }
    return true;
  }

  /**
   * Freezes the group, SIGKILLs every live member not in {@code killed} and adds it there, thaws;
   * the members read while frozen.
   */
  private static Set<Long> frozenRound(
      String group, Members members, CgroupFreezer freezer, Set<ProcessIdentity> killed)
      throws IOException {
    try {
      if (!freezer.freeze(FREEZE_BOUND) && freezer != CgroupFreezer.NONE) {
        log.debug("cgroup {} did not report frozen within {}; killing anyway", group, FREEZE_BOUND);
      }
      Set<Long> pids = members.read();
      for (long pid : pids) {
        ProcessInfo info = ProcFs.readStat(pid);
        if (info != null && !info.isEnded() && killed.add(info.identity())) {
          Signals.send(info.identity(), Signal.KILL);
        }
      }
      return pids;
    } finally {
      freezer.thaw();
    }
  }

  /** Whether a live process among {@code pids} is not one of {@code killed}. */
  private static boolean hasUnkilled(Set<Long> pids, Set<ProcessIdentity> killed) {
    for (long pid : pids) {
      ProcessInfo info = ProcFs.readStat(pid);
      if (info != null && !info.isEnded() && !killed.contains(info.identity())) {
        return true;
      }
    }
    return false;
  }
}
