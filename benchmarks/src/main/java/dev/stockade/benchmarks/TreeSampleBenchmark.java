package dev.stockade.benchmarks;

import dev.stockade.MemoryAccounting;
import dev.stockade.internal.os.CachedStatReader;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeMembership;
import dev.stockade.internal.os.TreeMeter;
import dev.stockade.internal.os.TreeTeardown;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import oshi.SystemInfo;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/**
 * The cost of one housekeeper sample of one 50-process tree, against asking OSHI about each of the
 * 50 processes.
 *
 * <p>The tree is started once per trial: {@code setsid sh -c '...'}, the shell starting 49 {@code
 * sleep 1000} in the background and waiting, all with a unique {@code STOCKADE_TAG}. Setup checks
 * by walking {@code /proc} that exactly 50 live processes carry the tag and that the membership
 * finds exactly those 50; teardown ends the tree and checks none is left.
 *
 * <ul>
 *   <li>{@link #procReader}: what the housekeeper does per tick — {@code ProcessTable.scan} from
 *       the tree's pid floor (one stat read per process at or above the root's pid: every member
 *       was forked after the root, see {@code PidCounter}) through the housekeeper's {@code
 *       CachedStatReader} (one {@code pread} per process on a descriptor kept open), {@code
 *       TagIndex.update} on an index kept across invocations as the housekeeper keeps it (so only
 *       new processes' environments are read), {@code TreeMembership.refresh} and a measure by a
 *       {@code TreeMeter} with the default {@link MemoryAccounting#RSS_SCREENED_PSS}, also kept
 *       across invocations, with the tree far below its limit: RSS comes from the stat lines
 *       already read and, the tree being steady, no {@code smaps_rollup} is read after the first
 *       samples. The scan also reads processes started after the root that are not in the tree, so
 *       its cost grows with what the machine started since.
 *   <li>{@link #procReaderWithPss}: the same with {@link MemoryAccounting#PSS}, which adds one
 *       {@code smaps_rollup} read per member: the price of exact accounting on every tick.
 *   <li>{@link #oshiPerProcess}: OSHI's per-process query, {@code os.getProcess(pid)} for each of
 *       the 50 known members, summing {@code getResidentSetSize()}. This is given the membership
 *       for free; it finds no new member.
 * </ul>
 *
 * <p>One benchmark thread, so one core measures; the tree sleeps and uses no CPU.
 *
 * <p>Target: {@code procReader} at least 5 times cheaper than {@code oshiPerProcess}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TreeSampleBenchmark {
  static final int TREE_SIZE = 50;
  private static final String SCRIPT =
      "i=0; while [ $i -lt " + (TREE_SIZE - 1) + " ]; do sleep 1000 & i=$((i+1)); done; wait";

  private String tag;
  private Process root;
  private TreeMembership membership;
  private final TagIndex tags = new TagIndex();
  private final CachedStatReader statReader = new CachedStatReader();
  private final TreeMeter screened = new TreeMeter(MemoryAccounting.RSS_SCREENED_PSS);
  private final TreeMeter pss = new TreeMeter(MemoryAccounting.PSS);
  private OperatingSystem os;
  private int[] memberPids;

  @Setup(Level.Trial)
  public void startTree() {
    tag = BenchProcesses.uniquePoolId("sample") + "/w1";
    root = BenchProcesses.startTree(SCRIPT, tag);
    try {
      List<ProcessInfo> live = BenchProcesses.awaitTree(tag, TREE_SIZE, TREE_SIZE - 1, 10_000);
      ProcessIdentity rootIdentity = BenchProcesses.identityOf(root.pid());
      membership = new TreeMembership(rootIdentity, tag);
      ProcessTable table = ProcessTable.scan();
      tags.update(table);
      List<ProcessInfo> members = membership.refresh(table, tags);
      Set<Long> expected = new HashSet<>();
      live.forEach(p -> expected.add(p.pid()));
      Set<Long> got = new HashSet<>();
      members.forEach(p -> got.add(p.pid()));
      if (!got.equals(expected) || got.size() != TREE_SIZE) {
        throw new IllegalStateException(
            "membership found "
                + got.size()
                + " processes "
                + got
                + ", /proc shows "
                + expected.size()
                + " tagged "
                + expected);
      }
      memberPids = members.stream().mapToInt(p -> (int) p.pid()).toArray();
      os = new SystemInfo().getOperatingSystem();
      for (int pid : memberPids) {
        if (os.getProcess(pid) == null) {
          throw new IllegalStateException("OSHI does not see member " + pid);
        }
      }
    } catch (RuntimeException e) {
      BenchProcesses.killAll(BenchProcesses.exactly(tag), root);
      throw e;
    }
  }

  @TearDown(Level.Trial)
  public void endTree() {
    statReader.close();
    TeardownReport report = new TreeTeardown(membership, tags).end(Duration.ZERO);
    int left = BenchProcesses.killAll(BenchProcesses.exactly(tag), root);
    if (!report.isComplete() || left != 0) {
      throw new IllegalStateException(
          "tree "
              + tag
              + " not fully ended: "
              + report
              + ", "
              + left
              + " tagged processes found alive afterwards (now killed)");
    }
  }

  /** One housekeeper sample: scan, tags, membership, screened measure of a steady tree. */
  @Benchmark
  public TreeMeter.Reading procReader() {
    return sample(screened);
  }

  /** One housekeeper sample with exact PSS accounting: one smaps_rollup read per member. */
  @Benchmark
  public TreeMeter.Reading procReaderWithPss() {
    return sample(pss);
  }

  /** OSHI's per-process query for each of the 50 members, RSS summed. */
  @Benchmark
  public long oshiPerProcess() {
    long rss = 0;
    for (int pid : memberPids) {
      OSProcess p = os.getProcess(pid);
      if (p == null) {
        throw new IllegalStateException("member " + pid + " of " + tag + " is gone");
      }
      rss += p.getResidentSetSize();
    }
    return rss;
  }

  private TreeMeter.Reading sample(TreeMeter meter) {
    ProcessTable table = ProcessTable.scan(membership.pidFloor(), statReader);
    tags.update(table);
    List<ProcessInfo> members = membership.refresh(table, tags);
    TreeMeter.Reading reading = meter.measure(members, Long.MAX_VALUE);
    if (reading.processCount() != TREE_SIZE) {
      throw new IllegalStateException(
          "tree " + tag + " has " + reading.processCount() + " members, expected " + TREE_SIZE);
    }
    return reading;
  }
}
