package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.EnvironmentNames;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The membership rules hold when a tree is refreshed as the housekeeper refreshes it: from a
 * census's tick views, where after the first refresh only the members and the arrivals are looked
 * at. Every test of {@link TreeMembershipTest} runs again this way, and these add processes that
 * arrive after the first refresh, which only the arrivals can show.
 */
class TreeMembershipThroughCensusTest extends TreeMembershipTest {
  private final ProcessCensus census = new ProcessCensus(tags);

  @AfterEach
  void closeCensus() {
    census.close();
  }

  @Override
  List<ProcessInfo> members(TreeMembership membership) {
    return membership.refresh(census.tick(membership.pidFloor()), tags);
  }

  /**
   * The first refresh comes before {@code sleep MARKER} exists; the next once it has settled, so
   * that it arrives as it is now, and must find it.
   */
  private void assertFoundOnlyOnceArrived(TreeMembership membership, String marker) {
    assertThat(hasMemberWithCommandLine(members(membership), "sleep " + marker)).isFalse();
    await()
        .atMost(Duration.ofSeconds(3))
        .until(() -> TestProcesses.liveWithExactCommandLine("sleep " + marker).size() == 1);

    assertThat(hasMemberWithCommandLine(members(membership), "sleep " + marker)).isTrue();
  }

  @Test
  void findsAnUntaggedChildInASessionOfItsOwnThatArrivedAfterTheFirstRefresh() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    // Neither tag nor session: only its parent, seen when it arrived, makes it a member.
    ProcessIdentity root =
        start(
            "sleep 0.4; env -u " + EnvironmentNames.TAG + " setsid sleep " + marker + " & sleep 5");
    TreeMembership membership = new TreeMembership(root, tag);
    assertFoundOnlyOnceArrived(membership, marker);

    assertThat(members(membership))
        .filteredOn(p -> ProcFs.commandLine(p.pid()).equals("sleep " + marker))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.ppid()).isEqualTo(root.pid());
              assertThat(p.sid()).isNotEqualTo(root.pid());
              assertThat(ProcFs.environmentValue(p.pid(), EnvironmentNames.TAG)).isNull();
            });
    assertThat(new TreeTeardown(membership, tags).end(Duration.ZERO).isComplete()).isTrue();
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
  }

  @Test
  void findsADoubleForkedEscapeeThatArrivedAfterTheFirstRefreshByItsTag() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    ProcessIdentity root = start("sleep 0.4; ( setsid sleep " + marker + " & ); sleep 5");
    TreeMembership membership = new TreeMembership(root, tag);
    assertFoundOnlyOnceArrived(membership, marker);

    assertThat(new TreeTeardown(membership, tags).end(Duration.ZERO).isComplete()).isTrue();
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
  }

  @Test
  void ignoresAStrangerThatArrivedAfterTheFirstRefresh() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    ProcessIdentity root = start("exec sleep 5");
    TreeMembership membership = new TreeMembership(root, tag);
    assertThat(members(membership)).extracting(ProcessInfo::pid).containsExactly(root.pid());
    Process stranger = new ProcessBuilder("sleep", marker).start();
    try {
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> TestProcesses.liveWithExactCommandLine("sleep " + marker).size() == 1);

      assertThat(members(membership)).extracting(ProcessInfo::pid).containsExactly(root.pid());
      new TreeTeardown(membership, tags).end(Duration.ZERO);
      assertThat(stranger.isAlive()).isTrue();
    } finally {
      stranger.destroyForcibly();
      stranger.waitFor();
    }
  }
}
