package dev.stockade.internal.os;

/**
 * Chosen once per pool at start and reported in its snapshot: makes the containment of each
 * tree. The strongest the machine offers wins.
 */
public interface ContainmentStrategy {
  /** Short description for snapshots and logs, for instance {@code "session+tag+tree-walk"}. */
  String name();

  /** Containment for the tree whose processes will carry {@code tag}. */
  TreeContainment create(String tag);

  /** Picks the strategy for this machine. */
  static ContainmentStrategy detect(TagIndex tags) {
    return new SessionContainmentStrategy(tags);
  }
}
