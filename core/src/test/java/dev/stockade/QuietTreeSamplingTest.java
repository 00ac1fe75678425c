package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.engine.Housekeeper;
import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.engine.SettingRules;
import dev.stockade.internal.pool.CommandPoolSettings;
import dev.stockade.internal.pool.RealCommandPool;
import dev.stockade.testing.CgroupsHere;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.Slowdown;
import dev.stockade.testing.TestProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Under cgroups a quiet tree is sampled from the kernel's counters alone — its memory and the count
 * of its tasks — not from its processes, for as long as that count does not move; when it moves,
 * the next sample reads the processes again. The housekeeper's reads are counted by the kernel
 * ({@code /proc/self/task/TID/io}, {@code syscr}: every read and pread of the thread), a witness
 * the library's own readers do not share. Ticks are driven by the test ({@link
 * Housekeeper#tickNow()}) on a pool whose own interval is a minute.
 */
@Tag("cgroup")
@ExtendWith(NoLeakedProcesses.class)
@Timeout(90)
class QuietTreeSamplingTest {
  private static final String POOL = "qk";

  /** The housekeeper's name as the kernel keeps it: cut to 15 characters. */
  private static final String HOUSEKEEPER_COMM =
      ("stockade-" + POOL + "-housekeeper").substring(0, 15);

  private static final int PROCESSES = 30;

  /**
   * Ticks in a row that read only counters: more than the stride of a quiet tree far below its
   * limits (8), so that the run holds a sample of each tree, and fewer than any two reads of
   * members leave between.
   */
  private static final int LIGHT_TICKS = 10;

  /** The most ticks between two samples of a quiet tree far below its limits. */
  private static final int FAR_BELOW_STRIDE = 8;

  private static final Duration BOUND = Slowdown.scaled(Duration.ofSeconds(30));

  @Test
  void readsAQuietTreesCountersInsteadOfItsProcesses() throws Exception {
    requireCgroupsWithPids();
    String sleep = TestProcesses.uniqueSleepSeconds();
    RealCommandPool pool = pool();
    try {
      Housekeeper housekeeper = pool.threads().housekeeper();
      var unused = pool.run(Command.of("sh", "-c", idleTree(PROCESSES - 1, sleep)));
      awaitProcessCount(pool, housekeeper, PROCESSES);
      long tid = housekeeperTid();

      // Control: a sample of a tree that is not quiet yet reads each of its processes.
      long before = readsOf(tid);
      var unused2 = pool.run(Command.of("sh", "-c", idleTree(PROCESSES - 1, sleep)));
      awaitProcessCount(pool, housekeeper, 2 * PROCESSES);
      housekeeper.tickNow();
      assertThat(readsOf(tid) - before)
          .as("reads of the ticks that sampled a new tree of %d processes", PROCESSES)
          .isGreaterThanOrEqualTo(PROCESSES);

      // Once both trees are quiet (their processes started, so their CPU time stays put, which
      // takes a while on a slow machine), each is far below its limits and sampled one tick in
      // eight: a run of LIGHT_TICKS ticks holds a sample of each. Read in full, each such tick
      // would read each of a tree's processes. From the counters alone, a tick reads a handful of
      // files; where this JVM adopts orphans (the test JVM is a child subreaper) a tree's members
      // are still read every fourth sample, a tick in 32 per tree. So a run of LIGHT_TICKS ticks
      // that each read fewer files than a tree has processes is reached only if the counters
      // stand in for the processes.
      List<Long> readsPerTick = new ArrayList<>();
      int lightInARow = 0;
      while (lightInARow < LIGHT_TICKS) {
        assertThat(readsPerTick.size())
            .as(
                "ticks without %d in a row that read fewer than %d files: %s",
                LIGHT_TICKS, PROCESSES, readsPerTick)
            .isLessThan(400);
        long start = readsOf(tid);
        housekeeper.tickNow();
        long reads = readsOf(tid) - start;
        readsPerTick.add(reads);
        lightInARow = reads < PROCESSES ? lightInARow + 1 : 0;
      }
      assertThat(pool.snapshot().workers())
          .allSatisfy(w -> assertThat(w.processCountNow()).isEqualTo(PROCESSES));
    } finally {
      pool.close();
    }
  }

  @Test
  void readsTheProcessesOfAQuietTreeAgainAtTheSampleAfterItForks() throws Exception {
    requireCgroupsWithPids();
    String sleep = TestProcesses.uniqueSleepSeconds();
    RealCommandPool pool = pool();
    try {
      Housekeeper housekeeper = pool.threads().housekeeper();
      // sh and PROCESSES - 1 sleeps; on SIGUSR1, two sleeps more. A trapped signal ends `wait`,
      // and the trap runs before the loop waits again.
      String script =
          "trap 'sleep "
              + sleep
              + " & sleep "
              + sleep
              + " &' USR1; for i in $(seq "
              + (PROCESSES - 1)
              + "); do sleep "
              + sleep
              + " & done; while :; do wait; done";
      var unused = pool.run(Command.of("sh", "-c", script));
      awaitProcessCount(pool, housekeeper, PROCESSES);
      for (int i = 0; i < 12; i++) {
        housekeeper.tickNow();
      }
      // Where this JVM adopts orphans (the test JVM does) the members are read every few samples
      // anyway: start right after such a read, so that the next sample would come from the
      // counters alone if the fork did not make it read the members.
      long tid = housekeeperTid();
      int ticks = 0;
      long reads;
      do {
        assertThat(++ticks).as("ticks before a sample that reads the members").isLessThan(64);
        long before = readsOf(tid);
        housekeeper.tickNow();
        reads = readsOf(tid) - before;
      } while (reads < PROCESSES);

      long shell = pool.snapshot().workers().get(0).pid();
      Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(shell)).inheritIO().start();
      assertThat(kill.waitFor()).isZero();
      await()
          .atMost(BOUND)
          .until(
              () ->
                  TestProcesses.liveWithExactCommandLine("sleep " + sleep).size() == PROCESSES + 1);

      for (int i = 0; i < FAR_BELOW_STRIDE; i++) {
        housekeeper.tickNow();
      }
      assertThat(pool.snapshot().workers().get(0).processCountNow()).isEqualTo(PROCESSES + 2);
    } finally {
      pool.close();
    }
  }

  @Test
  void reapsAnOrphanThatDiedInAQuietTreeWithinAFewSamples() throws Exception {
    requireCgroupsWithPids();
    // The test JVM is a child subreaper (NoLeakedProcesses): it adopts the tree's orphans, and
    // only a read of the tree's members reaps them. A zombie still counts as a task, so the
    // kernel's count does not move when the orphan dies.
    String orphanSleep = TestProcesses.uniqueSleepSeconds();
    String sleep = TestProcesses.uniqueSleepSeconds();
    RealCommandPool pool = pool();
    try {
      Housekeeper housekeeper = pool.threads().housekeeper();
      var unused =
          pool.run(
              Command.of("sh", "-c", "(sleep " + orphanSleep + " &); sleep " + sleep + " & wait"));
      awaitProcessCount(pool, housekeeper, 3);
      // Three members may be counted while the orphan is still a forked shell on its way to exec
      // sleep, and before the subshell that forked it has exited: wait for both, within a bound.
      List<String> orphans =
          await()
              .atMost(BOUND)
              .until(
                  () -> TestProcesses.liveWithExactCommandLine("sleep " + orphanSleep),
                  found -> found.size() == 1);
      long orphan = Long.parseLong(orphans.get(0).substring(0, orphans.get(0).indexOf(' ')));
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(
                          ProcessHandle.of(orphan)
                              .flatMap(ProcessHandle::parent)
                              .map(ProcessHandle::pid))
                      .as("the orphan's parent")
                      .hasValue(ProcessHandle.current().pid()));
      for (int i = 0; i < 12; i++) {
        housekeeper.tickNow();
      }

      assertThat(ProcessHandle.of(orphan).map(ProcessHandle::destroyForcibly)).hasValue(true);

      Path stat = Path.of("/proc/" + orphan + "/stat");
      await()
          .atMost(BOUND)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                housekeeper.tickNow();
                return !Files.exists(stat);
              });
    } finally {
      pool.close();
    }
  }

  private static String idleTree(int sleeps, String seconds) {
    return "for i in $(seq " + sleeps + "); do sleep " + seconds + " & done; wait";
  }

  private static void awaitProcessCount(
      RealCommandPool pool, Housekeeper housekeeper, int processes) {
    await()
        .atMost(BOUND)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              housekeeper.tickNow();
              return pool.snapshot().workers().stream()
                      .mapToInt(WorkerSnapshot::processCountNow)
                      .sum()
                  == processes;
            });
  }

  private static void requireCgroupsWithPids() {
    CgroupsHere.require(CgroupMode.AUTO, "memory", "pids");
  }

  private static RealCommandPool pool() {
    PoolSettings common =
        new PoolSettings(
            POOL,
            4,
            100,
            Optional.empty(),
            Duration.ofMinutes(5),
            MemorySize.ofGibibytes(1),
            SettingRules.DEFAULT_MAX_PROCESSES,
            CgroupMode.AUTO,
            MemorySize.ZERO,
            MemoryPressurePolicy.QUEUE,
            MemoryAccounting.RSS_SCREENED_PSS,
            Duration.ofMinutes(1),
            Duration.ofSeconds(5),
            Optional.empty(),
            true,
            Optional.empty());
    return RealCommandPool.start(new CommandPoolSettings(common, 64 * 1024, false));
  }

  private static long housekeeperTid() throws IOException {
    List<Long> found = new ArrayList<>();
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          if (Files.readString(task.resolve("comm")).strip().equals(HOUSEKEEPER_COMM)) {
            found.add(Long.parseLong(task.getFileName().toString()));
          }
        } catch (IOException e) {
          // a thread that ended meanwhile
        }
      }
    }
    assertThat(found).as("threads named %s", HOUSEKEEPER_COMM).hasSize(1);
    return found.get(0);
  }

  /** The thread's read system calls so far, as the kernel counts them. */
  private static long readsOf(long tid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/task/" + tid + "/io"))) {
      if (line.startsWith("syscr:")) {
        return Long.parseLong(line.substring("syscr:".length()).strip());
      }
    }
    throw new IllegalStateException("no syscr in /proc/self/task/" + tid + "/io");
  }
}
