package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.EnvironmentNames;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Membership is the union of the tree walk, the session and the tag: each test hides a process from
 * all but one of them and expects it found — and ended — all the same.
 */
@ExtendWith(NoLeakedProcesses.class)
class TreeMembershipTest {
  final TagIndex tags = new TagIndex();
  final String tag = Tags.workerTag(Tags.newPoolId("membership"), "w1");

  ProcessIdentity start(String script) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("setsid", "sh", "-c", script);
    pb.environment().put(EnvironmentNames.TAG, tag);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    return ProcFs.readStat(p.pid()).identity();
  }

  /** Refreshes {@code membership} as a teardown does: from a complete scan. */
  List<ProcessInfo> members(TreeMembership membership) {
    ProcessTable table = ProcessTable.scan();
    tags.update(table);
    return membership.refresh(table, tags);
  }

  static boolean hasMemberWithCommandLine(List<ProcessInfo> members, String fragment) {
    return members.stream().anyMatch(p -> ProcFs.commandLine(p.pid()).equals(fragment));
  }

  @Test
  void findsADaemonThatDroppedTheTagAndLeftTheSessionAfterItWasSeen() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    // Once seen as a descendant, the process re-parents to init, then execs without the tag
    // into a session of its own: what was recorded of its identity (membership, tag read at
    // first sight) must still find it.
    ProcessIdentity root =
        start(
            "sh -c 'sleep 0.6; exec env -u "
                + EnvironmentNames.TAG
                + " setsid sleep "
                + marker
                + "' & sleep 0.3; exit 0");
    TreeMembership membership = new TreeMembership(root, tag);
    await()
        .atMost(Duration.ofMillis(250))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> members(membership).size() >= 2);
    await()
        .atMost(Duration.ofSeconds(3))
        .until(() -> hasMemberWithCommandLine(members(membership), "sleep " + marker));
    assertThat(members(membership))
        .filteredOn(p -> ProcFs.commandLine(p.pid()).equals("sleep " + marker))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(ProcFs.environmentValue(p.pid(), EnvironmentNames.TAG)).isNull();
              assertThat(p.sid()).isEqualTo(p.pid());
              assertThat(p.ppid()).isNotEqualTo(root.pid());
            });

    TeardownReport report = new TreeTeardown(membership, tags).end(Duration.ZERO);

    assertThat(report.isComplete()).isTrue();
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
  }

  @Test
  void findsADoubleForkedSetsidEscapeeSeenForTheFirstTimeByItsTag() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    ProcessIdentity root = start("( setsid sleep " + marker + " & ); sleep 2");
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> TestProcesses.liveWithExactCommandLine("sleep " + marker).size() == 1);
    TreeMembership membership = new TreeMembership(root, tag);

    List<ProcessInfo> found = members(membership);

    assertThat(found)
        .filteredOn(p -> ProcFs.commandLine(p.pid()).equals("sleep " + marker))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.ppid()).isNotEqualTo(root.pid());
              assertThat(p.sid()).isNotEqualTo(root.pid());
            });
    new TreeTeardown(membership, tags).end(Duration.ZERO);
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
  }

  @Test
  void findsAnUntaggedOrphanStillInTheRootsSession() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    ProcessIdentity root =
        start("( env -u " + EnvironmentNames.TAG + " sleep " + marker + " & ); sleep 2");
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> TestProcesses.liveWithExactCommandLine("sleep " + marker).size() == 1);
    TreeMembership membership = new TreeMembership(root, tag);

    assertThat(members(membership))
        .anyMatch(p -> ProcFs.commandLine(p.pid()).equals("sleep " + marker));
    new TreeTeardown(membership, tags).end(Duration.ZERO);
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
  }

  @Test
  void ignoresProcessesOutsideTheTree() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    Process stranger = new ProcessBuilder("sleep", marker).start();
    try {
      ProcessIdentity root = start("sleep 5");
      TreeMembership membership = new TreeMembership(root, tag);
      assertThat(members(membership))
          .extracting(ProcessInfo::pid)
          .contains(root.pid())
          .doesNotContain(stranger.pid());
      new TreeTeardown(membership, tags).end(Duration.ZERO);
      assertThat(stranger.isAlive()).isTrue();
    } finally {
      stranger.destroyForcibly();
      stranger.waitFor();
    }
  }
}
