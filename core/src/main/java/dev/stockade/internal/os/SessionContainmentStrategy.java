package dev.stockade.internal.os;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containment without cgroups: each tree starts in its own session ({@code setsid}), every
 * member carries the tag, and membership is the union of the tree walk, the session/process
 * group and the tag ({@link TreeMembership}); teardown is {@link TreeTeardown}.
 */
final class SessionContainmentStrategy implements ContainmentStrategy {
  private static final Logger log = LoggerFactory.getLogger(SessionContainmentStrategy.class);
  private static final List<String> SETSID = findSetsid();

  private final TagIndex tags;

  SessionContainmentStrategy(TagIndex tags) {
    this.tags = tags;
  }

  private static List<String> findSetsid() {
    for (String candidate : new String[] {"/usr/bin/setsid", "/bin/setsid"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return List.of(candidate);
      }
    }
    log.warn("setsid not found in /usr/bin or /bin: trees share the JVM's session, and "
        + "membership relies on the tree walk and the tag alone");
    return List.of();
  }

  @Override
  public String name() {
    return SETSID.isEmpty() ? "tag+tree-walk" : "session+tag+tree-walk";
  }

  @Override
  public TreeContainment create(String tag) {
    return new SessionContainment(tag);
  }

  private final class SessionContainment implements TreeContainment {
    private final String tag;
    private volatile TreeMembership membership;

    SessionContainment(String tag) {
      this.tag = tag;
    }

    @Override
    public List<String> launchPrefix() {
      // setsid(1) execs the program in place when its caller is not a group leader, which a
      // JVM child never is: the pid the JDK returns is the program's own.
      return SETSID;
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
      return membership.refresh(table, tags);
    }

    @Override
    public TeardownReport end(Duration grace) {
      return new TreeTeardown(membership, tags).end(grace);
    }
  }
}
