package dev.stockade.internal.os;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The format of {@code STOCKADE_TAG}: {@code <pool name>@<supervising JVM pid>-<nonce>/<worker
 * id>}. The JVM's pid lets a later run tell the leftovers of a dead supervisor from the trees of a
 * live one; the nonce tells apart two pools of the same name in one JVM.
 */
public final class Tags {
  private Tags() {}

  /** A new pool id for {@code poolName}, owned by this JVM. */
  public static String newPoolId(String poolName) {
    return poolName
        + "@"
        + ProcessHandle.current().pid()
        + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt() & 0x7fffffff);
  }

  public static String workerTag(String poolId, String workerId) {
    return poolId + "/" + workerId;
  }

  /** The pid of the JVM that set {@code tag}, or -1 if the tag is not in this format. */
  public static long supervisorPid(String tag) {
    int at = tag.indexOf('@');
    int dash = at < 0 ? -1 : tag.indexOf('-', at);
    if (dash < 0) {
      return -1;
    }
    try {
      return Long.parseLong(tag.substring(at + 1, dash));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
