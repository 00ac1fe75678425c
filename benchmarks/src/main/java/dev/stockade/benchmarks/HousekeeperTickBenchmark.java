package dev.stockade.benchmarks;

import dev.stockade.CgroupMode;
import dev.stockade.MemoryAccounting;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.WorkerSnapshot;
import dev.stockade.internal.engine.Housekeeper;
import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.engine.SettingRules;
import dev.stockade.internal.pool.CommandPoolSettings;
import dev.stockade.internal.pool.RealCommandPool;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One housekeeper tick of a command pool holding {@code trees} idle trees of 10 processes each
 * ({@code sh -c} starting 9 {@code sleep 600.NNNNNN} in the background and waiting), in each {@code
 * cgroupMode}: the whole tick as the pool runs it — the {@code /proc} scan from the lowest pid
 * floor, the tag index's update, then for every tree its membership (from its cgroup's {@code
 * cgroup.procs} files, or by tag and tree walk without cgroups), its memory (the cgroup's counters,
 * or the members' RSS), its CPU clock, the kernel's limit counters, and the pool's deadline check.
 * Average time per tick, µs.
 *
 * <p>The tick is driven by {@link Housekeeper#tickNow()}, which runs it on the housekeeper's own
 * thread and waits for it: the score includes one hand-off to that thread and back. {@code trees=0}
 * measures that floor (a tick with no tree reads nothing). The pool is built from its internal
 * settings, at the defaults a {@code CommandPool.builder()} gives but {@code workers}, the {@code
 * cgroupMode} and a {@code sampleInterval} of one minute, so the scheduled ticks (one a minute)
 * hardly ever run beside the measured ones; a tick's work does not depend on the interval. Setup
 * waits, up to a bound, until {@code /proc} shows all the trees' processes and a tick has counted
 * 10 in each; teardown closes the pool and checks, by every {@code /proc/PID/cmdline}, that none of
 * them is left alive (killing any it finds, and failing).
 *
 * <p>At the default 250 ms interval a tick of {@code t} µs costs {@code t / 2500} % of one core
 * (wall time here; a tick is almost all system calls, whose time is CPU time on a quiet machine).
 * {@code SupervisorCost} measures the whole JVM's CPU with the same trees.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HousekeeperTickBenchmark {
  private static final Duration START_BOUND = Duration.ofMinutes(2);
  private static final Duration LEFTOVER_BOUND = Duration.ofSeconds(10);

  @Param({"AUTO", "NONE"})
  public String cgroupMode;

  @Param({"64"})
  public int trees;

  private RealCommandPool pool;
  private Housekeeper housekeeper;
  private IdleTrees idle;

  @Setup(Level.Trial)
  public void startTrees() {
    idle = new IdleTrees();
    PoolSettings common =
        new PoolSettings(
            "tick",
            Math.max(1, trees),
            1000,
            Optional.empty(),
            Duration.ofMinutes(30),
            MemorySize.ofGibibytes(1),
            SettingRules.DEFAULT_MAX_PROCESSES,
            CgroupMode.valueOf(cgroupMode),
            MemorySize.ZERO,
            MemoryPressurePolicy.QUEUE,
            MemoryAccounting.RSS_SCREENED_PSS,
            Duration.ofMinutes(1),
            Duration.ofSeconds(5),
            Optional.empty(),
            true,
            Optional.empty());
    pool = RealCommandPool.start(new CommandPoolSettings(common, 64 * 1024, false));
    housekeeper = pool.threads().housekeeper();
    for (int i = 0; i < trees; i++) {
      var unused = pool.run(idle.command());
    }
    long deadline = System.nanoTime() + START_BOUND.toNanos();
    while (!allRunning()) {
      if (System.nanoTime() - deadline > 0) {
        pool.close();
        throw new IllegalStateException(
            "not all "
                + trees
                + " trees are running after "
                + START_BOUND.toSeconds()
                + " s: /proc shows "
                + idle.alive().size()
                + " of their "
                + trees * IdleTrees.PROCESSES_PER_TREE
                + " processes");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  private boolean allRunning() {
    housekeeper.tickNow();
    List<WorkerSnapshot> workers = pool.snapshot().workers();
    return idle.alive().size() == trees * IdleTrees.PROCESSES_PER_TREE
        && workers.size() == trees
        && workers.stream().allMatch(w -> w.processCountNow() == IdleTrees.PROCESSES_PER_TREE);
  }

  @Benchmark
  public void tick() {
    housekeeper.tickNow();
  }

  @TearDown(Level.Trial)
  public void endTrees() {
    pool.close();
    List<Long> left = idle.killLeftAfter(LEFTOVER_BOUND);
    if (!left.isEmpty()) {
      throw new IllegalStateException("processes left alive after close: " + left);
    }
  }
}
