package dev.stockade.internal.os;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Watches the kernel's pid counter so that scans for a tree's members can skip every process older
 * than the tree's root.
 *
 * <p>The kernel hands out pids in increasing order until it reaches {@code pid_max}, then wraps
 * around. Every member of a tree is a descendant of its root, forked after it, so until the counter
 * wraps every member's pid is greater than the root's: a scan for the tree needs only the pids at
 * or above the root's. The counter is observed at every scan (at least once per housekeeper tick);
 * once a wrap is seen, trees started before it are scanned in full. A full wrap between two
 * observations would take tens of thousands of forks in one tick.
 *
 * <p>Where {@code /proc/sys/kernel/ns_last_pid} cannot be read, every scan is a full scan.
 */
public final class PidCounter {
  /** The epoch of a tree whose scans must always be full. */
  public static final long ALWAYS_FULL = -1;

  /** Observations fresher than this are reused: a wrap takes far longer. */
  private static final long REUSE_NANOS = 20_000_000;

  private static long lastSeen = -1;
  private static long wraps;
  private static long lastReadNanos;
  private static boolean readable = true;

  private PidCounter() {}

  /**
   * The wrap-around epoch to record for a root that was just spawned with {@code rootPid}, or
   * {@link #ALWAYS_FULL} if the counter cannot be read or already wrapped past the root.
   */
  public static synchronized long epochAtSpawn(long rootPid) {
    long epoch = observe(true); // a reading older than the root would look like a wrap
    return epoch < 0 || lastSeen < rootPid ? ALWAYS_FULL : epoch;
  }

  /**
   * The lowest pid a member of a tree rooted at {@code rootPid} can have, from a reading of the
   * last 20 ms: for the housekeeper's samples, where a member missed once is found at the next.
   */
  public static synchronized long floorFor(long rootPid, long epochAtSpawn) {
    return floor(rootPid, epochAtSpawn, observe(false));
  }

  /**
   * As {@link #floorFor}, from a reading taken now: for a teardown, which must miss no member. A
   * reading reused from before a wrap would leave out a member forked after it, whose pid is then
   * below the root's.
   */
  public static synchronized long floorNow(long rootPid, long epochAtSpawn) {
    return floor(rootPid, epochAtSpawn, observe(true));
  }

  /**
   * The counter as it is now: the last pid handed out and the wrap-arounds seen so far, or {@code
   * (-1, -1)} where it cannot be read. Two equal readings mean no process was created between them.
   */
  public static synchronized Reading read() {
    long epoch = observe(true);
    return epoch < 0 ? new Reading(-1, -1) : new Reading(lastSeen, epoch);
  }

  /** A reading of the counter: the last pid handed out, and how many wrap-arounds preceded it. */
  public record Reading(long lastPid, long epoch) {
    /** Whether the counter could be read. */
    public boolean isKnown() {
      return epoch >= 0;
    }
  }

  private static long floor(long rootPid, long epochAtSpawn, long epoch) {
    return epochAtSpawn != ALWAYS_FULL && epoch == epochAtSpawn ? rootPid : 1;
  }

  /**
   * Reads the counter (or reuses a reading of the last 20 ms: the housekeeper asks once per tree
   * per tick); returns the number of wrap-arounds seen so far, or -1 if unreadable.
   */
  private static long observe(boolean fresh) {
    long nanos = System.nanoTime();
    if (!fresh && lastSeen >= 0 && nanos - lastReadNanos < REUSE_NANOS) {
      return wraps;
    }
    long now = readable ? readLastPid() : -1;
    if (now < 0) {
      readable = false;
      return -1;
    }
    lastReadNanos = nanos;
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
