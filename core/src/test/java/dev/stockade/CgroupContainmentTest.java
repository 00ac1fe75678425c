package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stockade.internal.cgroup.CgroupSelection;
import dev.stockade.testing.CgroupsHere;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.Slowdown;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * cgroup strong mode, on whatever this machine offers (cgroup v2 with memory and pids on a v2 host;
 * v1 memory, pids and freezer, and a v2 hierarchy without controllers, on a hybrid one): each tree
 * in a cgroup of its own, which the kernel keeps together, caps and ends; the mode chosen is
 * reported; and every group is removed with its tree. Without usable cgroups (not root, read-only
 * mounts) or the controller a test needs, it skips, saying why; {@code
 * CgroupProbeTest.ciOffersACgroupVersionWithMemoryAndPids} fails CI where none is usable.
 */
@Tag("cgroup")
@ExtendWith(NoLeakedProcesses.class)
@Timeout(60)
class CgroupContainmentTest {
  @Test
  void reportsTheCgroupModeItChose() {
    CgroupSelection auto = CgroupsHere.require(CgroupMode.AUTO, "memory");
    try (CommandPool pool =
        CommandPool.builder().name("cg-report").cgroupMode(CgroupMode.AUTO).build()) {
      assertThat(pool.snapshot().containment())
          .isEqualTo(auto.description())
          .startsWith("cgroup v");
    }
  }

  @Test
  void runsWithoutCgroupsWhenToldTo() {
    try (CommandPool pool =
        CommandPool.builder().name("cg-none").cgroupMode(CgroupMode.NONE).build()) {
      assertThat(pool.snapshot().containment())
          .isEqualTo("session+tag+tree-walk (no cgroups: cgroupMode is NONE)");
    }
  }

  @Test
  void theKernelHoldsATreeToItsMemoryLimit() {
    CgroupsHere.require(CgroupMode.AUTO, "memory");
    try (CommandPool pool =
        CommandPool.builder()
            .name("cg-memory")
            .cgroupMode(CgroupMode.AUTO)
            .memoryLimit(MemorySize.ofMebibytes(64))
            .sampleInterval(Duration.ofMillis(50))
            .build()) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  pool.run(
                          Command.of(
                              "sh",
                              "-c",
                              "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"))
                      .get(Slowdown.scaledSeconds(30), TimeUnit.SECONDS));

      assertThat(e.getCause())
          .isInstanceOfSatisfying(
              MemoryLimitExceededException.class,
              m -> {
                assertThat(m.metric()).isEqualTo(MemoryMetric.CGROUP);
                assertThat(m.limit()).isEqualTo(MemorySize.ofMebibytes(64));
                assertThat(m.getMessage()).contains("OOM killer");
                assertThat(m.details().peakMemory())
                    .as("the figure the message gives")
                    .isEqualTo(m.observed());
                assertThat(m.getMessage()).contains("peak " + m.observed() + " in its cgroup");
              });
    }
  }

  @Test
  void reportsATreesMemoryAsTheKernelCountsIt() throws Exception {
    CgroupsHere.require(CgroupMode.AUTO, "memory");
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().name("cg-worker").workers(1).cgroupMode(CgroupMode.AUTO).build()) {
      assertThat(pool.submit("echo:hi").get(Slowdown.scaledSeconds(30), TimeUnit.SECONDS))
          .isEqualTo("hi");

      await()
          .atMost(Slowdown.scaled(Duration.ofSeconds(5)))
          .untilAsserted(
              () ->
                  assertThat(pool.snapshot().workers())
                      .singleElement()
                      .satisfies(
                          w -> {
                            assertThat(w.metricNow()).isEqualTo(MemoryMetric.CGROUP);
                            assertThat(w.memoryNow().toBytes())
                                .isGreaterThan(MemorySize.ofMebibytes(5).toBytes());
                          }));
    }
  }

  @Test
  void theKernelStopsAForkLoopBetweenTwoSamples() {
    CgroupsHere.require(CgroupMode.AUTO, "pids");
    // Samples 5 s apart: the loop reaches pids.max (32 tasks per allowed process, 64) long
    // before the housekeeper could count it, even in an emulated machine.
    try (CommandPool pool =
        CommandPool.builder()
            .name("cg-pids")
            .cgroupMode(CgroupMode.AUTO)
            .maxProcesses(2)
            .sampleInterval(Slowdown.scaled(Duration.ofSeconds(5)))
            .build()) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  pool.run(
                          Command.of(
                              "sh",
                              "-c",
                              "i=0; while [ $i -lt 1000 ]; do sleep 600 & i=$((i+1)); done; wait"))
                      .get(Slowdown.scaledSeconds(30), TimeUnit.SECONDS));

      assertThat(e.getCause())
          .isInstanceOfSatisfying(
              ProcessLimitExceededException.class,
              p -> {
                assertThat(p.limit()).isEqualTo(2);
                assertThat(p.refusedByKernel()).isTrue();
                assertThat(p.observed()).isEmpty();
                assertThat(p.getMessage())
                    .contains("pids.max = 64 processes and threads, for maxProcesses 2");
              });
    }
  }

  @Test
  void endsADaemonThatLeftItsSessionAndRemovesTheGroups() throws Exception {
    CgroupsHere.require(CgroupMode.AUTO);
    endsADaemonAndRemovesTheGroups(CgroupMode.AUTO, "cg-daemon");
  }

  @Test
  void cgroupV2ByConfigurationHoldsAndEndsTheTreeWithOrWithoutControllers() throws Exception {
    CgroupSelection v2 = CgroupsHere.require(CgroupMode.V2);
    try (CommandPool pool = CommandPool.builder().name("cg-v2").cgroupMode(CgroupMode.V2).build()) {
      assertThat(pool.snapshot().containment()).isEqualTo(v2.description()).startsWith("cgroup v2");
    }
    endsADaemonAndRemovesTheGroups(CgroupMode.V2, "cg-v2-daemon");
  }

  private static void endsADaemonAndRemovesTheGroups(CgroupMode mode, String name)
      throws Exception {
    try (CommandPool pool = CommandPool.builder().name(name).cgroupMode(mode).build()) {
      CommandResult result =
          pool.run(Command.of("sh", "-c", "setsid -f sleep 600; trap '' TERM; echo started"))
              .get(Slowdown.scaledSeconds(30), TimeUnit.SECONDS);

      assertThat(result.isSuccess()).isTrue();
      assertThat(result.leftoverProcessesEnded()).isEqualTo(1);
      assertThat(groupsOf(name)).as("the pool's cgroups, once its only tree ended").isEmpty();
    }
  }

  /** Directories of pools named {@code name} of this JVM, in every cgroup hierarchy. */
  private static List<Path> groupsOf(String name) {
    String prefix = name + "@";
    return TestProcesses.poolCgroupsOf(ProcessHandle.current().pid()).stream()
        .filter(p -> p.getFileName().toString().startsWith(prefix))
        .toList();
  }
}
