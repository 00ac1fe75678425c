package dev.stockade.testing;

import dev.stockade.EnvironmentNames;
import dev.stockade.internal.engine.Tags;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test if any process carrying the {@code STOCKADE_TAG} of a pool of this JVM is alive
 * after it (zombies count
 * as dead), and kills such processes so the next test starts clean. Every test class that
 * starts processes uses it. Also fails a test that starts while tagged processes are alive, so
 * a leak is charged to the test that made it, not to the next one.
 */
public final class NoLeakedProcesses implements BeforeEachCallback, AfterEachCallback {
  private static final Duration SETTLE = Duration.ofMillis(500);

  @Override
  public void beforeEach(ExtensionContext context) {
    List<String> leaked = killTagged();
    if (!leaked.isEmpty()) {
      throw new AssertionError("tagged processes were alive before this test (killed now): "
          + leaked);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    List<ProcessInfo> alive = taggedAlive();
    while (!alive.isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      alive = taggedAlive();
    }
    if (!alive.isEmpty()) {
      List<String> leaked = killTagged();
      throw new AssertionError(context.getDisplayName() + " left " + leaked.size()
          + " processes carrying " + EnvironmentNames.TAG + " alive (killed now): " + leaked);
    }
  }

  /**
   * Live (non-zombie) processes that carry the tag of a pool of this JVM. Trees of other JVMs
   * (another build on the same machine) are not this test's doing and are left alone.
   */
  public static List<ProcessInfo> taggedAlive() {
    long self = ProcessHandle.current().pid();
    List<ProcessInfo> found = new ArrayList<>();
    for (ProcessInfo p : ProcessTable.scan().all()) {
      if (p.pid() == self || p.isEnded()) {
        continue;
      }
      String tag = ProcFs.environmentValue(p.pid(), EnvironmentNames.TAG);
      if (tag != null && Tags.supervisorPid(tag) == self) {
        found.add(p);
      }
    }
    return found;
  }

  private static List<String> killTagged() {
    List<String> described = new ArrayList<>();
    for (ProcessInfo p : taggedAlive()) {
      described.add(p.pid() + " " + ProcFs.commandLine(p.pid()));
      Signals.send(p.identity(), Signal.KILL);
    }
    return described;
  }
}
