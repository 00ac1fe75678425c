package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.EnvironmentNames;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a tree's orphan bookkeeping remembers stays bounded by what is alive, however long the tree
 * lives and however many short-lived sessions it starts (a worker whose handler starts each child
 * in a session of its own). The test JVM is a child subreaper ({@link NoLeakedProcesses}), so the
 * bookkeeping runs here as it does in a JVM that is pid 1.
 */
@ExtendWith(NoLeakedProcesses.class)
class TreeOrphansTest {
  private final TagIndex tags = new TagIndex();
  private final String tag = Tags.workerTag(Tags.newPoolId("orphans"), "w1");

  @Test
  void aLongLivedTreeStartingShortSessionsIsRememberedOnlyForWhatIsAlive() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    // A loop that keeps one sleep of its own (the marker) and starts a new session every 20 ms.
    ProcessBuilder pb =
        new ProcessBuilder(
            "setsid",
            "sh",
            "-c",
            "sleep " + marker + " & while :; do setsid sleep 0.05 & sleep 0.02; done");
    pb.environment().put(EnvironmentNames.TAG, tag);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process process = pb.start();
    ProcessIdentity root = ProcFs.readStat(process.pid()).identity();
    TreeMembership membership = new TreeMembership(root, tag);
    assertThat(membership.orphans().adoptsOrphans()).as("this JVM adopts orphans").isTrue();
    int sessionsSeen = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();

    while (System.nanoTime() < deadline) {
      ProcessTable table = ProcessTable.scan();
      tags.update(table);
      sessionsSeen +=
          (int)
              membership.refresh(table, tags).stream()
                  .filter(p -> p.sid() == p.pid() && p.pid() != root.pid())
                  .count();
      membership.orphans().reap(table);
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos()); // the cadence of samples
    }

    assertThat(sessionsSeen).as("sessions seen over the samples").isGreaterThan(50);
    // Alive at any moment: the root, its sleep, the loop's sleep, about three short sessions;
    // each remembered as an identity, a member, and a session or group or two.
    assertThat(membership.orphans().remembered()).isLessThan(40);

    TeardownReport report = new TreeTeardown(membership, tags).end(Duration.ZERO);
    assertThat(report.isComplete()).isTrue();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> TestProcesses.liveWithCommandLine(marker).isEmpty());
  }
}
