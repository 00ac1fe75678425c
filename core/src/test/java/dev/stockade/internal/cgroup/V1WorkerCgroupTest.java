package dev.stockade.internal.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.CgroupMode;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's group in real cgroup v1 hierarchies (memory, pids, freezer): the kernel keeps the tree
 * in it, caps its memory and its process count, and ends all of it, escaped daemons too. Needs root
 * and writable v1 controllers; skipped with the reason otherwise (on a v2 host, for instance, where
 * {@code V2WorkerCgroupTest} checks the same).
 */
@Tag("cgroup")
@ExtendWith(NoLeakedProcesses.class)
@Timeout(30)
class V1WorkerCgroupTest {
  private CgroupFixture fixture;
  private CgroupBase base;

  @BeforeEach
  void setUp() {
    fixture = new CgroupFixture();
    base = fixture.require(CgroupMode.V1, "memory");
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  @Test
  void rootJoinsEveryHierarchyBeforeItExecsAndDescendantsAreBornInside() throws Exception {
    WorkerCgroup group = fixture.createWorker(base, "w1");
    assertThat(group.procsFiles()).hasSize(base.controllers().size());

    Process root = fixture.startShell(group, "sleep 300 & sleep 300 & wait");

    await().atMost(Duration.ofSeconds(5)).until(() -> group.pids().size() == 3);
    assertThat(group.pids()).contains(root.pid());
    for (Path procs : group.procsFiles()) {
      assertThat(Files.readString(procs)).contains(Long.toString(root.pid()));
    }
    assertThat(group.isPopulated()).isTrue();
    assertThat(group.memoryCurrent().getAsLong()).isPositive();
    assertThat(group.memoryPeak().getAsLong())
        .isGreaterThanOrEqualTo(group.memoryCurrent().getAsLong());
  }

  @Test
  void aSampleReadsTheGroupAfreshThroughItsKeptDescriptorsUntilTheGroupIsRemoved()
      throws Exception {
    WorkerCgroup group = fixture.createWorker(base, "w1");
    assertThat(group.memberPids()).isEmpty();
    long before = group.memoryCurrent().getAsLong();

    Process root = fixture.startShell(group, "sleep 300 & sleep 300 & wait");

    await().atMost(Duration.ofSeconds(5)).until(() -> group.memberPids().size() == 3);
    assertThat(group.memberPids()).isEqualTo(group.pids()).contains(root.pid());
    assertThat(group.memoryCurrent().getAsLong()).isNotEqualTo(before);
    group.killAll();
    group.awaitEmpty(Duration.ofSeconds(5));
    root.waitFor();
    assertThat(group.memberPids()).isEmpty();
    group.remove();
    assertThat(group.memberPids()).isEmpty();
    assertThatThrownBy(group::memoryCurrent).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void memoryMaxMakesTheKernelOomKillInsideTheGroupAndCountsIt() throws Exception {
    WorkerCgroup group = fixture.createWorker(base, "w1");
    group.setMemoryMax(64L << 20);
    assertThat(group.oomKills()).hasValue(0);

    assertThat(fixture.runMemoryHog(group)).isEqualTo(137); // three times the limit
    assertThat(group.oomKills().getAsLong()).isPositive();
    assertThat(group.memoryPeak().getAsLong()).isLessThanOrEqualTo(64L << 20);
  }

  @Test
  void pidsMaxRefusesForksBeyondIt(@TempDir Path tmp) throws Exception {
    fixture.require(CgroupMode.V1, "pids");
    WorkerCgroup group = fixture.createWorker(base, "w1");
    group.setPidsMax(10);

    fixture.assertFiftyForksRefused(group, 10, tmp.resolve("output"));
  }

  @Test
  void killAllEndsEveryMemberIncludingADetachedDaemonAndOneIgnoringSigterm() throws Exception {
    WorkerCgroup group = fixture.createWorker(base, "w1");
    Process root =
        fixture.startShell(group, "setsid -f sleep 300; trap '' TERM; sleep 300 & wait; sleep 300");
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(group.pids()).hasSize(3);
              detachedMember(group);
            });
    ProcessInfo daemon = detachedMember(group);
    assertThat(daemon.ppid()).as("re-parented away from the tree").isNotEqualTo(root.pid());
    assertThat(daemon.sid()).as("in a session of its own").isEqualTo(daemon.pid());

    group.killAll();

    assertThat(group.awaitEmpty(Duration.ofSeconds(5))).isTrue();
    assertThat(root.waitFor()).isEqualTo(137);
    assertThat(TestProcesses.liveTagged(fixture.tag)).isEmpty();
    group.remove();
    for (Path procs : group.procsFiles()) {
      assertThat(procs.getParent()).doesNotExist();
    }
  }

  @Test
  void aZombieIsNoLongerAMember() throws Exception {
    WorkerCgroup group = fixture.createWorker(base, "w1");
    // The child exits at once; its parent becomes a sleep that never reaps it.
    Process root = fixture.startShell(group, "sleep 0.1 & exec sleep 300");
    await().atMost(Duration.ofSeconds(5)).until(() -> childrenOf(root.pid()) == 1);

    await().atMost(Duration.ofSeconds(5)).until(() -> group.pids().size() == 1);
    assertThat(group.pids()).containsExactly(root.pid());
    assertThat(childStates(root.pid())).isEqualTo("Z");
  }

  @Test
  void anUnreapedZombieDoesNotKeepTheGroupFromBeingRemoved() throws Exception {
    fixture.require(CgroupMode.V1, "pids");
    WorkerCgroup group = fixture.createWorker(base, "w1");
    // The parent stays outside the group and never reaps: the member exits into a zombie.
    String join =
        String.join(
            " && ",
            group.procsFiles().stream().map(procs -> "echo \\$\\$ > '" + procs + "'").toList());
    Process parent =
        fixture.startOutside(
            "sh", "-c", "sh -c \"" + join + " && exec sleep 0.1\" & exec sleep 300");
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> childStates(parent.pid()).equals("Z"));

      assertThat(group.isPopulated()).isFalse();
      Path pidsCurrent = pidsDirectory(group).resolve("pids.current");
      assertThat(Files.readString(pidsCurrent).trim())
          .as("the zombie, still charged")
          .isEqualTo("1");
      group.remove();
      assertThat(group.directory()).doesNotExist();
    } finally {
      parent.destroyForcibly().waitFor();
    }
  }

  @Test
  void killLoopEndsAForkingTreeEvenWithoutAFreezer() throws Exception {
    WorkerCgroup group = fixture.createWorker(base, "w1");
    fixture.startShell(group, "while true; do sleep 300 & sleep 0.01; done");
    await().atMost(Duration.ofSeconds(5)).until(() -> group.pids().size() >= 5);

    assertThat(KillLoop.killAll("test", group::pids, CgroupFreezer.NONE, Duration.ofSeconds(5)))
        .isTrue();

    assertThat(group.awaitEmpty(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void killAllWithTheFreezerEndsTreesThatKeepForkingAndLeavesTheGroupThawed() throws Exception {
    fixture.require(CgroupMode.V1, "pids", "freezer");
    WorkerCgroup group = fixture.createWorker(base, "w1");
    // Four shells fork without pause; the group's process cap keeps them from taking the machine.
    group.setPidsMax(30);
    fixture.startShell(
        group, "for i in 1 2 3 4; do (while true; do sleep 300 & done) & done; wait");
    await().atMost(Duration.ofSeconds(5)).until(() -> group.pids().size() >= 20);

    group.killAll();

    assertThat(group.awaitEmpty(Duration.ofSeconds(5))).isTrue();
    assertThat(TestProcesses.liveTagged(fixture.tag)).isEmpty();
    Path freezer =
        group.procsFiles().stream()
            .map(Path::getParent)
            .filter(dir -> Files.exists(dir.resolve("freezer.state")))
            .findFirst()
            .orElseThrow();
    assertThat(Files.readString(freezer.resolve("freezer.state")).trim())
        .as("thawed again")
        .isEqualTo("THAWED");
  }

  @Test
  void removePoolEndsAndRemovesEveryWorkerGroupOfThePool() throws Exception {
    WorkerCgroup first = fixture.createWorker(base, "w1");
    WorkerCgroup second = fixture.createWorker(base, "w2");
    fixture.startShell(first, "setsid -f sleep 300; sleep 300");
    fixture.start(second, "sleep", "300");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> first.pids().size() == 3 && second.pids().size() == 1);
    assertThat(base.poolIds()).contains(fixture.poolId);

    base.removePool(fixture.poolId, Duration.ofSeconds(5));

    assertThat(base.poolIds()).doesNotContain(fixture.poolId);
    assertThat(first.directory().getParent()).doesNotExist();
    assertThat(TestProcesses.liveTagged(fixture.tag)).isEmpty();
  }

  private static ProcessInfo detachedMember(WorkerCgroup group) throws Exception {
    for (long pid : group.pids()) {
      ProcessInfo info = ProcFs.readStat(pid);
      if (info != null && info.sid() == pid) {
        return info;
      }
    }
    throw new AssertionError("no member leads a session of its own: " + group.pids());
  }

  private static Path pidsDirectory(WorkerCgroup group) {
    Path pidsMount = CgroupMounts.current().v1("pids").orElseThrow().mountPoint();
    return group.procsFiles().stream()
        .map(Path::getParent)
        .filter(dir -> dir.startsWith(pidsMount))
        .findFirst()
        .orElseThrow();
  }

  private static long childrenOf(long pid) {
    return ProcessTable.scan().childrenOf(pid).size();
  }

  private static String childStates(long pid) {
    StringBuilder states = new StringBuilder();
    for (ProcessInfo child : ProcessTable.scan().childrenOf(pid)) {
      states.append(child.state());
    }
    return states.toString();
  }
}
