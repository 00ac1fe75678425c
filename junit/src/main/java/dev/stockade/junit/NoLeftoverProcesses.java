package dev.stockade.junit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves alive a process it started, however that process hid: a grandchild in a
 * session of its own, a daemon that forked twice, one that cleared its environment or renamed
 * itself. It does not rely on the code under test to say what it started.
 *
 * <pre>{@code
 * @ExtendWith(NoLeftoverProcesses.class)
 * class RenderServiceTest { ... }
 * }</pre>
 *
 * <p>How: on Linux the test JVM becomes a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER)})
 * when this class loads, so every orphan of every process a test started is re-parented to it and
 * stays among its descendants, read from {@code /proc} by parent links and from the JDK's {@link
 * ProcessHandle#descendants()}. The descendants alive before a test (or before the class, see
 * {@link #perClass()}) are not charged to it. After it, each new descendant still alive once {@link
 * #settling settling} has passed (1 s by default, for a close that ends trees as it returns and a
 * process that is just exiting) is a leftover: it is killed ({@code SIGKILL}, checked against its
 * start time so a reused pid is never hit), and the test fails with each leftover's pid, parent,
 * state and command line. Ended orphans (zombies re-parented to the JVM, which nobody else would
 * reap) are reaped; a zombie some {@link Process} of the JDK waits for is left to the JDK.
 *
 * <p>Not seen: a process that left the JVM's tree through another manager (started by {@code
 * systemd-run}, a container runtime, {@code ssh}), since it was never a descendant; on systems
 * without {@code /proc} or a subreaper (macOS), an orphan re-parented to init. Tests run in
 * parallel within one JVM share one tree, so a leftover cannot be charged to one of them: run such
 * classes with {@link #perClass()}, or sequentially.
 *
 * <p>Stockade's own lifeline watchdog, which lives as long as the JVM, is never a leftover.
 */
public final class NoLeftoverProcesses
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private static final long SELF = ProcessHandle.current().pid();

  /** The command line of a Stockade watchdog whose supervisor is this JVM. */
  private static final String OWN_WATCHDOG =
      "dev.stockade.internal.lifeline.Watchdog " + SELF + " ";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(NoLeftoverProcesses.class);

  private final boolean perClass;
  private final Duration settling;

  /** The check after each test, as {@code @ExtendWith(NoLeftoverProcesses.class)} makes it. */
  public NoLeftoverProcesses() {
    this(false, Duration.ofSeconds(1));
  }

  private NoLeftoverProcesses(boolean perClass, Duration settling) {
    this.perClass = perClass;
    this.settling = settling;
  }

  /**
   * One check after all the tests of a class, counting from before the first: for a class whose
   * tests share processes (a pool opened in {@code @BeforeAll} and closed in {@code @AfterAll}).
   * Register it with {@code @RegisterExtension static NoLeftoverProcesses leftovers =
   * NoLeftoverProcesses.perClass();}.
   *
   * @return the check after the class
   */
  public static NoLeftoverProcesses perClass() {
    return new NoLeftoverProcesses(true, Duration.ofSeconds(1));
  }

  /**
   * A copy that gives processes up to {@code settling} to end before it charges them.
   *
   * @param settling how long a process may take to end after the test, 0 to 1 minute
   * @return a copy with that bound
   * @throws IllegalArgumentException if {@code settling} is negative or longer than a minute
   */
  public NoLeftoverProcesses settling(Duration settling) {
    Objects.requireNonNull(settling, "settling");
    if (settling.isNegative() || settling.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "settling must be between 0 and 1 minute, but was " + settling);
    }
    return new NoLeftoverProcesses(perClass, settling);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (perClass) {
      remember(context);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      remember(context);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      check(context);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (perClass) {
      check(context);
    }
  }

  private static void remember(ExtensionContext context) {
    ChildSubreaper.become(); // before the test starts its first process
    context.getStore(NAMESPACE).put(Before.class, new Before(descendants()));
  }

  private void check(ExtensionContext context) {
    Before before = context.getStore(NAMESPACE).remove(Before.class, Before.class);
    List<ProcessEntry> alreadyThere = before == null ? List.of() : before.processes();
    long deadline = System.nanoTime() + settling.toNanos();
    List<ProcessEntry> left = leftovers(alreadyThere);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      left = leftovers(alreadyThere);
    }
    reapEndedOrphans(alreadyThere);
    List<ProcessEntry> alive = leftovers(alreadyThere).stream().filter(e -> !e.isZombie()).toList();
    if (alive.isEmpty()) {
      return;
    }
    killAndReap(alive, alreadyThere);
    throw new AssertionError(
        context.getDisplayName()
            + " left "
            + alive.size()
            + (alive.size() == 1 ? " process" : " processes")
            + " alive (killed now): "
            + alive);
  }

  /** The JVM's descendants now, but its own Stockade watchdog. */
  private static List<ProcessEntry> descendants() {
    List<ProcessEntry> found = ProcessTable.now().descendantsOf(SELF);
    found.removeIf(e -> !e.isZombie() && (e.args() + " ").contains(OWN_WATCHDOG));
    return found;
  }

  /** Descendants that were not there before, zombies included. */
  private static List<ProcessEntry> leftovers(Collection<ProcessEntry> alreadyThere) {
    List<ProcessEntry> now = descendants();
    now.removeIf(e -> alreadyThere.stream().anyMatch(e::sameAs));
    return now;
  }

  /**
   * Reaps the new zombie children of this JVM that no {@link Process} of the JDK takes: the JDK
   * waits for its own children by pid and takes them within moments, so a zombie still there after
   * 200 ms is an orphan re-parented here, which nobody else would reap.
   */
  private static void reapEndedOrphans(Collection<ProcessEntry> alreadyThere) {
    List<ProcessEntry> zombies =
        leftovers(alreadyThere).stream().filter(e -> e.isZombie() && e.ppid() == SELF).toList();
    if (zombies.isEmpty()) {
      return;
    }
    LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    for (ProcessEntry zombie : zombies) {
      ProcessEntry now = ProcessTable.of(zombie.pid());
      if (zombie.sameAs(now) && now.isZombie()) {
        ChildSubreaper.reap(zombie.pid());
      }
    }
  }

  /**
   * Kills each of {@code processes} that is still itself, waits up to 5 s for each to be gone or a
   * zombie, and reaps the zombie children of this JVM among them that the JDK does not take.
   */
  private static void killAndReap(
      List<ProcessEntry> processes, Collection<ProcessEntry> alreadyThere) {
    for (ProcessEntry e : processes) {
      ProcessEntry now = ProcessTable.of(e.pid());
      if (!ProcessTable.HAS_PROC || (e.sameAs(now) && !now.isZombie())) {
        ProcessHandle.of(e.pid()).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    List<ProcessEntry> pending = new ArrayList<>(processes);
    while (System.nanoTime() < deadline) {
      pending.removeIf(
          e -> {
            ProcessEntry now = ProcessTable.of(e.pid());
            return !e.sameAs(now) || now.isZombie();
          });
      if (pending.isEmpty()) {
        break;
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
    reapEndedOrphans(alreadyThere);
  }

  /** What was there before the test or class. */
  private record Before(List<ProcessEntry> processes) {}
}
