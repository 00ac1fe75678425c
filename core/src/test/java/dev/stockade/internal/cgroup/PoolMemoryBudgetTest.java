package dev.stockade.internal.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.CgroupMode;
import dev.stockade.testing.ChildJvmWatchdog;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.Slowdown;
import dev.stockade.testing.TestProcesses;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Container-aware memory, from inside a real cgroup with a limit that a test makes, of each version
 * where this machine has its memory controller (needs root; skipped with the reason otherwise): a
 * pool reports its container's limit, not the host's, and acts on the memory left under it.
 */
@Tag("cgroup")
@ExtendWith(NoLeakedProcesses.class)
@Timeout(90)
class PoolMemoryBudgetTest {
  private static final long THREE_GIB = 3L << 30;
  private static final long ONE_GIB = 1L << 30;

  private final CgroupFixture fixture = new CgroupFixture();

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  private Process subject(WorkerCgroup group, String mode) throws Exception {
    return fixture.start(
        group,
        ProcessBuilder.Redirect.PIPE,
        ProcessHandle.current().info().command().orElseThrow(),
        "-Xmx64m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        Slowdown.jvmOption(),
        "-cp",
        System.getProperty("java.class.path"),
        MemoryPressureSubject.class.getName(),
        mode);
  }

  @ParameterizedTest
  @EnumSource(names = {"V2", "V1"})
  void aPoolInsideACgroupWithALimitReportsThatLimit(CgroupMode mode) throws Exception {
    WorkerCgroup group = fixture.createWorker(fixture.require(mode, "memory"), "w1");
    group.setMemoryMax(THREE_GIB);

    Process child = subject(group, "report");
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(Slowdown.scaledSeconds(30), TimeUnit.SECONDS)).isTrue();

    assertThat(output)
        .as(output)
        .contains("limit=" + THREE_GIB)
        .contains(
            "source="
                + OwnCgroupMemoryTest.sourceName(mode)
                + " /stockade/"
                + fixture.poolId
                + "/w1: limit 3.0 GiB");
  }

  @ParameterizedTest
  @EnumSource(names = {"V2", "V1"})
  void recyclesItsLargestIdleWorkerWhenItsContainerRunsShortAndRestartsItAfter(CgroupMode mode)
      throws Exception {
    TestProcesses.requireProgram("python3");
    WorkerCgroup group = fixture.createWorker(fixture.require(mode, "memory"), "w1");
    group.setMemoryMax(ONE_GIB);

    Process child = subject(group, "recycle");
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(Slowdown.scaledSeconds(60), TimeUnit.SECONDS)).isTrue();
    ChildJvmWatchdog.reapAfterExit(output);

    List<String> lines = output.lines().filter(l -> !l.startsWith("[")).toList();
    assertThat(lines).as(output).contains("READY idle=2", "RETIRED workers=0", "RESTARTED idle=2");
    assertThat(lines)
        .as(output)
        .anyMatch(l -> l.startsWith("EVENT pressure=true holding new workers back"))
        .filteredOn(l -> l.startsWith("EVENT pressure=true retired idle worker"))
        .hasSize(2);
    assertThat(lines).as(output).contains("EVENT pressure=false starting workers again");
    assertThat(child.exitValue()).as(output).isZero();
  }
}
