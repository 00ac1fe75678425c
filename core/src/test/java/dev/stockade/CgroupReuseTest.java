package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.cgroup.CgroupMounts;
import dev.stockade.testing.CgroupsHere;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.Slowdown;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Worker groups kept between trees under cgroup v1: a tree that ended by itself leaves its group to
 * the next one, which is proven empty from the kernel's files first; limits follow each task; the
 * group's own peak is the tree's, reset between trees. Each tree reports the group it ran in from
 * {@code /proc/self/cgroup}, the kernel's word, not the library's. Skipped where v1 with memory is
 * not usable (a v2 host, where groups are not reused).
 */
@Tag("cgroup")
@ExtendWith(NoLeakedProcesses.class)
@Timeout(60)
class CgroupReuseTest {
  private static final String OWN_MEMORY_GROUP =
      "sed -n 's/^[0-9]*:memory:\\(.*\\)$/\\1/p' /proc/self/cgroup";

  private static void requireV1() {
    CgroupsHere.require(CgroupMode.V1, "memory", "pids");
  }

  private static CommandPool pool(String name) {
    return CommandPool.builder()
        .name(name)
        .workers(1)
        .cgroupMode(CgroupMode.V1)
        .memoryLimit(MemorySize.ofMebibytes(256))
        // Far apart: the trees below end before the housekeeper samples them.
        .sampleInterval(Slowdown.scaled(Duration.ofSeconds(10)))
        .shutdownHook(false)
        .build();
  }

  private static CommandResult run(CommandPool pool, Command command) throws Exception {
    CommandResult r = pool.run(command).get(Slowdown.scaledSeconds(30), TimeUnit.SECONDS);
    assertThat(r.isSuccess()).as("%s: %s", command, r.stderr().text()).isTrue();
    return r;
  }

  /** The memory group the script's shell ran in, and what the script printed after it. */
  private static List<String> linesOf(CommandPool pool, String script) throws Exception {
    return run(pool, Command.of("sh", "-c", OWN_MEMORY_GROUP + "; " + script))
        .stdout()
        .text()
        .lines()
        .toList();
  }

  private static Path memoryDirectory(String group) {
    return CgroupMounts.current().v1("memory").orElseThrow().directoryOf(group).orElseThrow();
  }

  /** The group's directory in every v1 hierarchy the pool uses (same path under each mount). */
  private static List<Path> everyHierarchy(String group) {
    List<Path> dirs = new ArrayList<>();
    for (String controller : List.of("memory", "pids", "freezer")) {
      CgroupMounts.current()
          .v1(controller)
          .flatMap(h -> h.directoryOf(group))
          .filter(Files::isDirectory)
          .ifPresent(dirs::add);
    }
    return dirs;
  }

  @Test
  void aTreeThatLeftNothingLeavesItsGroupToTheNextAndCloseRemovesIt() throws Exception {
    requireV1();
    String first;
    try (CommandPool pool = pool("cg-reuse")) {
      first = linesOf(pool, "true").get(0);
      assertThat(first).contains("/stockade/cg-reuse@");
      assertThat(linesOf(pool, "true").get(0)).as("the second tree's group").isEqualTo(first);
      assertThat(Files.readString(memoryDirectory(first).resolve("cgroup.procs")))
          .as("the kept group, between trees")
          .isBlank();
    }
    assertThat(everyHierarchy(first)).as("the kept group after close").isEmpty();
  }

  @Test
  void aKeptGroupThatHoldsAProcessIsNeverReusedButEndedAndRemoved() throws Exception {
    requireV1();
    Process planted = null;
    try (CommandPool pool = pool("cg-planted")) {
      String first = linesOf(pool, "true").get(0);
      // Someone with the rights moves a process into the kept group between two trees.
      planted =
          new ProcessBuilder("sleep", TestProcesses.uniqueSleepSeconds())
              .redirectErrorStream(true)
              .start();
      List<Path> dirs = everyHierarchy(first);
      assertThat(dirs).isNotEmpty();
      for (Path dir : dirs) {
        Files.writeString(dir.resolve("cgroup.procs"), Long.toString(planted.pid()));
      }

      String second = linesOf(pool, "true").get(0);

      assertThat(second).as("the next tree's group").isNotEqualTo(first);
      Process p = planted;
      await().atMost(Slowdown.scaled(Duration.ofSeconds(5))).until(() -> !p.isAlive());
      assertThat(everyHierarchy(first)).as("the group that held it").isEmpty();
    } finally {
      if (planted != null) {
        planted.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aGroupWhoseTreeLeftAProcessBehindIsRemovedNotReused() throws Exception {
    requireV1();
    try (CommandPool pool = pool("cg-leftover")) {
      String first = linesOf(pool, "setsid -f sleep 600").get(0);
      assertThat(everyHierarchy(first)).as("the group of the tree that left a daemon").isEmpty();
      assertThat(linesOf(pool, "true").get(0)).isNotEqualTo(first);
    }
  }

  @Test
  void limitsFollowEachTaskInAReusedGroup() throws Exception {
    requireV1();
    String limit = "cat /sys/fs/cgroup/memory$(" + OWN_MEMORY_GROUP + ")/memory.limit_in_bytes";
    try (CommandPool pool = pool("cg-limits")) {
      List<String> small =
          run(
                  pool,
                  Command.of("sh", "-c", OWN_MEMORY_GROUP + "; " + limit)
                      .withMemoryLimit(MemorySize.ofMebibytes(64)))
              .stdout()
              .text()
              .lines()
              .toList();
      List<String> large =
          run(
                  pool,
                  Command.of("sh", "-c", OWN_MEMORY_GROUP + "; " + limit)
                      .withMemoryLimit(MemorySize.ofMebibytes(128)))
              .stdout()
              .text()
              .lines()
              .toList();
      List<String> poolDefault = linesOf(pool, limit);

      assertThat(large.get(0)).as("the same group").isEqualTo(small.get(0));
      assertThat(poolDefault.get(0)).as("the same group").isEqualTo(small.get(0));
      assertThat(small.get(1)).isEqualTo(Long.toString(MemorySize.ofMebibytes(64).toBytes()));
      assertThat(large.get(1)).isEqualTo(Long.toString(MemorySize.ofMebibytes(128).toBytes()));
      assertThat(poolDefault.get(1))
          .isEqualTo(Long.toString(MemorySize.ofMebibytes(256).toBytes()));
    }
  }

  @Test
  void aShortTreeReportsItsGroupsPeakAndTheNextTreeInTheGroupOnlyItsOwn() throws Exception {
    requireV1();
    try (CommandPool pool = pool("cg-peak")) {
      // 40 MB held in a shell variable, gone long before the first sample.
      CommandResult big =
          run(
              pool,
              Command.of(
                  "sh",
                  "-c",
                  OWN_MEMORY_GROUP + "; x=$(head -c 40000000 /dev/zero | tr '\\0' a); echo done"));
      CommandResult small = run(pool, Command.of("sh", "-c", OWN_MEMORY_GROUP));

      assertThat(small.stdout().text().lines().findFirst())
          .as("the same group")
          .isEqualTo(big.stdout().text().lines().findFirst());
      assertThat(big.peakMetric()).isEqualTo(MemoryMetric.CGROUP);
      assertThat(big.peakMemory()).isGreaterThan(MemorySize.ofMebibytes(38));
      assertThat(small.peakMemory())
          .as("a shell alone, in the group the 40 MB tree used before it")
          .isGreaterThan(MemorySize.ZERO)
          .isLessThan(MemorySize.ofMebibytes(16));
    }
  }
}
