package dev.stockade.internal.os;

import java.time.Duration;
import java.util.List;

/**
 * Containment without cgroups: each tree starts in its own session, every member carries the tag,
 * and membership is the union of the tree walk, the session/process group and the tag ({@link
 * TreeMembership}); teardown is {@link TreeTeardown}.
 */
final class SessionContainmentStrategy implements ContainmentStrategy {
  private final TagIndex tags;
  private final String why;

  SessionContainmentStrategy(TagIndex tags, String why) {
    this.tags = tags;
    this.why = why;
  }

  @Override
  public String name() {
    return why == null ? "session+tag+tree-walk" : "session+tag+tree-walk (" + why + ")";
  }

  @Override
  public TreeContainment create(String tag, TreeLimits limits) {
    return new SessionContainment(tag);
  }

  private final class SessionContainment implements TreeContainment {
    private final String tag;
    private volatile TreeMembership membership;

    SessionContainment(String tag) {
      this.tag = tag;
    }

    @Override
    public boolean newSession() {
      return true;
    }

    @Override
    public void attach(ProcessIdentity root) {
      membership = new TreeMembership(root, tag);
    }

    @Override
    public long pidFloor() {
      return membership.pidFloor();
    }

    @Override
    public List<ProcessInfo> members(ProcessTable table) {
      List<ProcessInfo> live = membership.refresh(table, tags);
      membership.orphans().reap(table);
      return live;
    }

    @Override
    public TeardownReport end(Duration grace) {
      return new TreeTeardown(membership, tags).end(grace);
    }
  }
}
