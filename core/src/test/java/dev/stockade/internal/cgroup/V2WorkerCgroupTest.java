package dev.stockade.internal.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.CgroupMode;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.Slowdown;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's group in a real cgroup v2 hierarchy: membership, {@code cgroup.kill} and {@code
 * cgroup.events} wherever v2 is writable; where v2 has the memory and pids controllers (a v2 host),
 * the kernel also caps the tree's memory and process count and counts what it did; where it has not
 * (a hybrid host whose memory controller is bound to v1), the readings are empty and the limits
 * refuse. Needs root and a writable cgroup2 mount; each test skips with the reason where what it
 * needs is missing.
 */
@Tag("cgroup")
@ExtendWith(NoLeakedProcesses.class)
@Timeout(30)
class V2WorkerCgroupTest {
  private final CgroupFixture fixture = new CgroupFixture();

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  private static Duration bound(int seconds) {
    return Slowdown.scaled(Duration.ofSeconds(seconds));
  }

  @Test
  void rootJoinsBeforeItExecsAndDescendantsAreBornInside() throws Exception {
    CgroupBase base = fixture.require(CgroupMode.V2);
    WorkerCgroup group = fixture.createWorker(base, "w1");
    assertThat(group.procsFiles()).containsExactly(group.directory().resolve("cgroup.procs"));

    Process root = fixture.startShell(group, "setsid -f sleep 300; sleep 300 & wait");

    await().atMost(bound(5)).until(() -> group.pids().size() == 3);
    assertThat(group.pids()).contains(root.pid());
    assertThat(group.isPopulated()).isTrue();
  }

  @Test
  void memoryReadingsCountTheWholeTreeAndThePeakIsAtLeastTheCurrent() throws Exception {
    CgroupBase base = fixture.require(CgroupMode.V2, "memory");
    WorkerCgroup group = fixture.createWorker(base, "w1");

    fixture.startShell(group, "sleep 300 & sleep 300 & wait");

    await().atMost(bound(5)).until(() -> group.pids().size() == 3);
    assertThat(group.memoryCurrent().getAsLong()).isPositive();
    assertThat(group.memoryPeak().getAsLong())
        .isGreaterThanOrEqualTo(group.memoryCurrent().getAsLong());
    assertThat(group.oomKills()).hasValue(0);
  }

  @Test
  void memoryMaxMakesTheKernelOomKillInsideTheGroupAndCountsIt() throws Exception {
    CgroupBase base = fixture.require(CgroupMode.V2, "memory");
    WorkerCgroup group = fixture.createWorker(base, "w1");
    group.setMemoryMax(64L << 20);
    assertThat(Files.readString(group.directory().resolve("memory.max")).trim())
        .isEqualTo(Long.toString(64L << 20));
    assertThat(group.oomKills()).hasValue(0);

    assertThat(fixture.runMemoryHog(group)).isEqualTo(137); // three times the limit
    assertThat(group.oomKills().getAsLong()).isPositive();
    assertThat(group.memoryPeak().getAsLong()).isLessThanOrEqualTo(64L << 20);
  }

  @Test
  void pidsMaxRefusesForksBeyondItAndCountsTheRefusals(@TempDir Path tmp) throws Exception {
    CgroupBase base = fixture.require(CgroupMode.V2, "pids");
    WorkerCgroup group = fixture.createWorker(base, "w1");
    group.setPidsMax(10);
    assertThat(group.forkRefusals()).hasValue(0);

    fixture.assertFiftyForksRefused(group, 10, tmp.resolve("output"));
    assertThat(group.forkRefusals().getAsLong()).isPositive();
  }

  @Test
  void cgroupKillEndsEveryMemberAndTheGroupReportsItselfUnpopulated() throws Exception {
    CgroupBase base = fixture.require(CgroupMode.V2);
    WorkerCgroup group = fixture.createWorker(base, "w1");
    assertThat(group.directory().resolve("cgroup.kill")).exists();
    Process root = fixture.startShell(group, "setsid -f sleep 300; trap '' TERM; sleep 300");
    await().atMost(bound(5)).until(() -> group.pids().size() == 3);

    group.killAll();

    assertThat(group.awaitEmpty(bound(5))).isTrue();
    assertThat(group.isPopulated()).isFalse();
    assertThat(root.waitFor()).isEqualTo(137);
    assertThat(TestProcesses.liveTagged(fixture.tag)).isEmpty();
    group.remove();
    assertThat(group.directory()).doesNotExist();
  }

  @Test
  void freezeAndKillLoopEndsAForkingGroupWhereCgroupKillIsMissing() throws Exception {
    // What kernels before 5.14 get instead of cgroup.kill.
    CgroupBase base = fixture.require(CgroupMode.V2);
    WorkerCgroup group = fixture.createWorker(base, "w1");
    fixture.startShell(group, "while true; do sleep 300 & sleep 0.01; done");
    await().atMost(bound(5)).until(() -> group.pids().size() >= 5);

    boolean emptied =
        KillLoop.killAll(
            group.toString(), group::pids, CgroupFreezer.v2(group.directory()), bound(5));

    assertThat(emptied).isTrue();
    assertThat(group.awaitEmpty(bound(5))).isTrue();
    assertThat(Files.readString(group.directory().resolve("cgroup.freeze")).trim())
        .as("thawed again")
        .isEqualTo("0");
  }

  @Test
  void aZombieIsNoLongerAMember() throws Exception {
    CgroupBase base = fixture.require(CgroupMode.V2);
    WorkerCgroup group = fixture.createWorker(base, "w1");
    // The child exits at once; its parent becomes a sleep that never reaps it.
    Process root = fixture.startShell(group, "sleep 0.1 & exec sleep 300");
    await().atMost(bound(5)).until(() -> childStates(root.pid()).equals("Z"));

    await().atMost(bound(5)).until(() -> group.pids().size() == 1);
    assertThat(group.pids()).containsExactly(root.pid());
  }

  @Test
  void anUnreapedZombieDoesNotKeepTheGroupFromBeingRemoved() throws Exception {
    CgroupBase base = fixture.require(CgroupMode.V2, "pids");
    WorkerCgroup group = fixture.createWorker(base, "w1");
    // The parent stays outside the group and never reaps: the member exits into a zombie.
    Process parent =
        fixture.startOutside(
            "sh",
            "-c",
            "sh -c \"echo \\$\\$ > '"
                + group.procsFiles().get(0)
                + "' && exec sleep 0.1\" & exec sleep 300");
    try {
      await().atMost(bound(5)).until(() -> childStates(parent.pid()).equals("Z"));

      assertThat(group.isPopulated()).isFalse();
      assertThat(Files.readString(group.directory().resolve("pids.current")).trim())
          .as("the zombie, still charged")
          .isEqualTo("1");
      group.remove();
      assertThat(group.directory()).doesNotExist();
    } finally {
      parent.destroyForcibly().waitFor();
    }
  }

  @Test
  void withoutTheMemoryControllerReadingsAreEmptyAndLimitsRefuse() throws Exception {
    CgroupBase base = fixture.require(CgroupMode.V2);
    Assumptions.assumeFalse(
        base.hasMemoryController(), "this machine's cgroup v2 has the memory controller");
    WorkerCgroup group = fixture.createWorker(base, "w1");

    assertThat(group.memoryCurrent()).isEmpty();
    assertThat(group.memoryPeak()).isEmpty();
    assertThat(group.oomKills()).isEmpty();
    assertThatThrownBy(() -> group.setMemoryMax(64L << 20))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("memory controller");
  }

  @Test
  void removePoolEndsAndRemovesEveryWorkerGroupOfThePool() throws Exception {
    CgroupBase base = fixture.require(CgroupMode.V2);
    WorkerCgroup first = fixture.createWorker(base, "w1");
    WorkerCgroup second = fixture.createWorker(base, "w2");
    fixture.startShell(first, "setsid -f sleep 300; sleep 300");
    fixture.start(second, "sleep", "300");
    await().atMost(bound(5)).until(() -> first.pids().size() == 3 && second.pids().size() == 1);
    assertThat(base.poolIds()).contains(fixture.poolId);

    base.removePool(fixture.poolId, bound(5));

    assertThat(base.poolIds()).doesNotContain(fixture.poolId);
    assertThat(first.directory().getParent()).doesNotExist();
    assertThat(TestProcesses.liveTagged(fixture.tag)).isEmpty();
  }

  private static String childStates(long pid) {
    StringBuilder states = new StringBuilder();
    for (ProcessInfo child : ProcessTable.scan().childrenOf(pid)) {
      states.append(child.state());
    }
    return states.toString();
  }
}
