package dev.stockade.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The leak check run on test classes of its own, through the JUnit Platform's test kit: what it
 * fails, what it lets pass, and that it leaves nothing. Each test's witness that the leftover is
 * gone is the JDK's view of the pid the leaking test reported, not the check's own reading.
 */
class NoLeftoverProcessesTest {
  /** The pid a leaking test started, reported to the test that ran it. */
  static volatile long startedPid;

  @Test
  void failsATestThatLeavesAChildAliveAndKillsIt() {
    EngineExecutionResults results = run(LeavesAChild.class);

    assertThat(failureMessages(results))
        .singleElement()
        .asString()
        .contains("leavesItsChild() left 1 process alive (killed now)")
        .contains("sleep 301");
    assertGone(startedPid);
  }

  @Test
  void findsAGrandchildThatMovedToASessionOfItsOwnAfterItsParentExited() {
    EngineExecutionResults results = run(LeavesADaemon.class);

    assertThat(failureMessages(results))
        .singleElement()
        .asString()
        .contains("left 1 process alive")
        .contains("sleep 302");
    assertGone(startedPid);
  }

  @Test
  void passesATestThatEndsWhatItStarted() {
    EngineExecutionResults results = run(EndsItsChild.class);

    results.testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
    assertGone(startedPid);
  }

  @Test
  void doesNotChargeATestWithAProcessAliveBeforeIt() throws Exception {
    Process before = new ProcessBuilder("sleep", "303").start();
    try {
      EngineExecutionResults results = run(LeavesNothing.class);

      results.testEvents().assertStatistics(stats -> stats.succeeded(1).failed(0));
      assertThat(before.isAlive()).isTrue();
    } finally {
      before.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void perClassChargesTheClassWithWhatItsTestsSharedAndLeft() {
    EngineExecutionResults results = run(SharesAProcessAndLeavesIt.class);

    results.testEvents().assertStatistics(stats -> stats.succeeded(2).failed(0));
    assertThat(
            results.containerEvents().failed().stream()
                .map(NoLeftoverProcessesTest::message)
                .toList())
        .singleElement()
        .asString()
        .contains("SharesAProcessAndLeavesIt left 1 process alive")
        .contains("sleep 304");
    assertGone(startedPid);
  }

  @Test
  void refusesASettlingTimeOutOfRange() {
    assertThatThrownBy(() -> new NoLeftoverProcesses().settling(Duration.ofMinutes(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("settling must be between 0 and 1 minute, but was PT2M");
  }

  private static EngineExecutionResults run(Class<?> testClass) {
    startedPid = 0;
    return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute();
  }

  private static List<String> failureMessages(EngineExecutionResults results) {
    return results.testEvents().failed().stream().map(NoLeftoverProcessesTest::message).toList();
  }

  private static String message(Event event) {
    return event
        .getPayload(TestExecutionResult.class)
        .flatMap(TestExecutionResult::getThrowable)
        .map(Throwable::getMessage)
        .orElse("");
  }

  private static void assertGone(long pid) {
    assertThat(pid).as("the pid the test reported").isPositive();
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
        .as("process %d after the check", pid)
        .isEmpty();
  }

  // The test classes the check runs on. Static nested classes: not run by the build on their own.

  @ExtendWith(NoLeftoverProcesses.class)
  static class LeavesAChild {
    @Test
    void leavesItsChild() throws IOException {
      startedPid = new ProcessBuilder("sleep", "301").start().pid();
    }
  }

  @ExtendWith(NoLeftoverProcesses.class)
  static class LeavesADaemon {
    @Test
    void leavesADaemon() throws Exception {
      // The shell starts the sleeper in a session of its own, says its pid and exits: the
      // sleeper's parent is gone and it is in no session or group of the test JVM.
      Process shell =
          new ProcessBuilder("setsid", "sh", "-c", "sleep 302 >/dev/null 2>&1 & echo $!").start();
      String pid = new String(shell.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      shell.waitFor(10, TimeUnit.SECONDS);
      startedPid = Long.parseLong(pid.trim());
    }
  }

  @ExtendWith(NoLeftoverProcesses.class)
  static class EndsItsChild {
    @Test
    void endsItsChild() throws Exception {
      Process child = new ProcessBuilder("sleep", "300").start();
      startedPid = child.pid();
      child.destroy();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @ExtendWith(NoLeftoverProcesses.class)
  static class LeavesNothing {
    @Test
    void leavesNothing() {
      assertThat(ProcessHandle.current().pid()).isPositive();
    }
  }

  static class SharesAProcessAndLeavesIt {
    @RegisterExtension static NoLeftoverProcesses leftovers = NoLeftoverProcesses.perClass();

    static Process shared;

    @BeforeAll
    static void start() throws IOException {
      shared = new ProcessBuilder("sleep", "304").start();
      startedPid = shared.pid();
    }

    @Test
    void usesIt() {
      assertThat(shared.isAlive()).isTrue();
    }

    @Test
    void usesItAgain() {
      assertThat(shared.isAlive()).isTrue();
    }

    @AfterAll
    static void forgetsToStopIt() {
      assertThat(shared.isAlive()).isTrue();
    }
  }
}
