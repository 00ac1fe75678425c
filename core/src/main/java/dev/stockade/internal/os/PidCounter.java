package dev.stockade.internal.os;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Watches the kernel's pid counter so that scans for a tree's members can skip every process
 * older than the tree's root.
 *
 * <p>The kernel hands out pids in increasing order until it reaches {@code pid_max}, then wraps
 * around. Every member of a tree is a descendant of its root, forked after it, so until the
 * counter wraps every member's pid is greater than the root's: a scan for the tree needs only
 * the pids at or above the root's. The counter is observed at every scan (at least once per
 * housekeeper tick); once a wrap is seen, trees started before it are scanned in full. A full
 * wrap between two observations would take tens of thousands of forks in one tick.
 *
 * <p>Where {@code /proc/sys/kernel/ns_last_pid} cannot be read, every scan is a full scan.
 */
public final class PidCounter {
  /** The epoch of a tree whose scans must always be full. */
  public static final long ALWAYS_FULL = -1;

  private static long lastSeen = -1;
  private static long wraps;

  private PidCounter() {}

  /**
   * The wrap-around epoch to record for a root that was just spawned with {@code rootPid}, or
   * {@link #ALWAYS_FULL} if the counter cannot be read or already wrapped past the root.
   */
  public static synchronized long epochAtSpawn(long rootPid) {
    long epoch = observe();
    return epoch < 0 || lastSeen < rootPid ? ALWAYS_FULL : epoch;
  }

  /** The lowest pid a member of a tree rooted at {@code rootPid} can have. */
  public static synchronized long floorFor(long rootPid, long epochAtSpawn) {
    long epoch = observe();
    return epochAtSpawn != ALWAYS_FULL && epoch == epochAtSpawn ? rootPid : 1;
  }

  /** Reads the counter; returns the number of wrap-arounds seen so far, or -1 if unreadable. */
  private static long observe() {
    long now = readLastPid();
    if (now < 0) {
      return -1;
    }
    if (now < lastSeen) {
      wraps++;
    }
    lastSeen = now;
    return wraps;
  }

  private static long readLastPid() {
    try (FileInputStream in = new FileInputStream("/proc/sys/kernel/ns_last_pid")) {
      String text = new String(in.readNBytes(32), StandardCharsets.US_ASCII).trim();
      return Long.parseLong(text);
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }
}
