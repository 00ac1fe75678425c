package dev.stockade.internal.os;

/**
 * Chosen once per pool at start and reported in its snapshot: makes the containment of each tree.
 * The strongest the machine offers wins.
 */
public interface ContainmentStrategy {
  /** Short description for snapshots and logs, for instance {@code "session+tag+tree-walk"}. */
  String name();

  /** Containment for the tree whose processes will carry {@code tag}, under {@code limits}. */
  TreeContainment create(String tag, TreeLimits limits);

  /**
   * Releases what the strategy keeps between trees (cgroups kept for reuse); called once every tree
   * of the pool has ended. Trees ended later release what they hold themselves.
   */
  default void close() {}

  /** Containment by session, tag and tree walk; {@code why} says why it was chosen, or null. */
  static ContainmentStrategy withoutCgroups(TagIndex tags, String why) {
    return new SessionContainmentStrategy(tags, why);
  }

  /**
   * The limits a tree's containment may have the kernel enforce.
   *
   * @param memoryBytes the hard memory limit
   * @param softMemoryBytes the soft limit (above it the kernel reclaims and throttles), or 0
   * @param processes the most processes the tree may hold
   */
  record TreeLimits(long memoryBytes, long softMemoryBytes, int processes) {}
}
