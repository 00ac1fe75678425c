package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.internal.os.Uninterruptibly;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends every process of a group where the kernel has no {@code cgroup.kill} (v1, and v2 before
 * 5.14): freeze the group, SIGKILL every member, thaw, and repeat until the group is empty.
 *
 * <p>With a freezer one round normally suffices: the member list read while frozen is complete, and
 * each member dies at the thaw before it can run a single instruction. Without one, a member may
 * fork between the read and its kill; the child is in the group and the next round finds it, and
 * since every round kills every parent, the rounds end. Signals go through {@link Signals}, so a
 * pid that was recycled in between is never hit.
 */
final class KillLoop {
  private static final Logger log = LoggerFactory.getLogger(KillLoop.class);
  private static final Duration FREEZE_BOUND = Duration.ofSeconds(1);

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
    while (true) {
      Set<Long> pids;
      try {
        if (!freezer.freeze(FREEZE_BOUND) && freezer != CgroupFreezer.NONE) {
          log.debug(
              "cgroup {} did not report frozen within {}; killing anyway", group, FREEZE_BOUND);
        }
        pids = members.read();
        for (long pid : pids) {
          ProcessInfo info = ProcFs.readStat(pid);
          if (info != null && !info.isEnded()) {
            Signals.send(info.identity(), Signal.KILL);
          }
        }
      } finally {
        freezer.thaw();
      }
      if (pids.isEmpty()) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        log.warn("cgroup {} still had processes {} after killing for {}", group, pids, bound);
        return members.read().isEmpty();
      }
      // Give the killed a moment to leave the group before reading it again.
      Uninterruptibly.sleep(Duration.ofMillis(1));
    }
  }
}
