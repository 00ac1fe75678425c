package dev.stockade.internal.cgroup;

import dev.stockade.CgroupMode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker's group in a real cgroup v2 hierarchy. On this machine v2 has no controllers (memory
 * is bound to v1), so this is v2 as membership, {@code cgroup.kill} and {@code cgroup.events};
 * the memory readings are empty and the limits refuse. Needs root and a writable cgroup2 mount;
 * skipped with the reason otherwise (failed under CI).
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(30)
class V2WorkerCgroupTest {
  private CgroupFixture fixture;
  private CgroupBase base;

  @BeforeEach
  void setUp() {
    fixture = new CgroupFixture();
    base = fixture.require(CgroupMode.V2);
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  @Test
  void rootJoinsBeforeItExecsAndDescendantsAreBornInside() throws Exception {
    WorkerCgroup group = fixture.createWorker(base, "w1");
    assertThat(group.procsFiles()).containsExactly(group.directory().resolve("cgroup.procs"));

    Process root = fixture.startShell(group, "setsid -f sleep 300; sleep 300 & wait");

    await().atMost(Duration.ofSeconds(5)).until(() -> group.pids().size() == 3);
    assertThat(group.pids()).contains(root.pid());
    assertThat(group.isPopulated()).isTrue();
  }

  @Test
  void cgroupKillEndsEveryMemberAndTheGroupReportsItselfUnpopulated() throws Exception {
    WorkerCgroup group = fixture.createWorker(base, "w1");
    assertThat(group.directory().resolve("cgroup.kill")).exists();
    Process root = fixture.startShell(group, "setsid -f sleep 300; trap '' TERM; sleep 300");
    await().atMost(Duration.ofSeconds(5)).until(() -> group.pids().size() == 3);

    group.killAll();

    assertThat(group.awaitEmpty(Duration.ofSeconds(5))).isTrue();
    assertThat(group.isPopulated()).isFalse();
    assertThat(root.waitFor()).isEqualTo(137);
    assertThat(TestProcesses.liveTagged(fixture.tag)).isEmpty();
    group.remove();
    assertThat(group.directory()).doesNotExist();
  }

  @Test
  void freezeAndKillLoopEndsAForkingGroupWhereCgroupKillIsMissing() throws Exception {
    // What kernels before 5.14 get instead of cgroup.kill.
    WorkerCgroup group = fixture.createWorker(base, "w1");
    fixture.startShell(group, "while true; do sleep 300 & sleep 0.01; done");
    await().atMost(Duration.ofSeconds(5)).until(() -> group.pids().size() >= 5);

    boolean emptied = KillLoop.killAll(group.toString(), group::pids,
        CgroupFreezer.v2(group.directory()), Duration.ofSeconds(5));

    assertThat(emptied).isTrue();
    assertThat(group.awaitEmpty(Duration.ofSeconds(5))).isTrue();
    assertThat(Files.readString(group.directory().resolve("cgroup.freeze")).trim())
        .as("thawed again").isEqualTo("0");
  }

  @Test
  void withoutTheMemoryControllerReadingsAreEmptyAndLimitsRefuse() throws Exception {
    Assumptions.assumeFalse(base.hasMemoryController(),
        "this machine's cgroup v2 has the memory controller");
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
    WorkerCgroup first = fixture.createWorker(base, "w1");
    WorkerCgroup second = fixture.createWorker(base, "w2");
    fixture.startShell(first, "setsid -f sleep 300; sleep 300");
    fixture.start(second, "sleep", "300");
    await().atMost(Duration.ofSeconds(5))
        .until(() -> first.pids().size() == 3 && second.pids().size() == 1);
    assertThat(base.poolIds()).contains(fixture.poolId);

    base.removePool(fixture.poolId, Duration.ofSeconds(5));

    assertThat(base.poolIds()).doesNotContain(fixture.poolId);
    assertThat(first.directory().getParent()).doesNotExist();
    assertThat(TestProcesses.liveTagged(fixture.tag)).isEmpty();
  }
}
