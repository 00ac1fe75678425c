package dev.stockade.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.stockade.MemoryAccounting;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TempDirectories;
import dev.stockade.internal.os.TreeMembership;
import dev.stockade.internal.os.TreeMeter;
import dev.stockade.internal.os.TreeTeardown;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * How far summed RSS overstates a tree's memory, against summed PSS, for the trees a pool meets:
 * the reason the default accounting confirms with PSS before it ends a tree. Not a JMH benchmark:
 * it measures sizes, not time.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.stockade.benchmarks.MemoryAccuracyReport [--json FILE]}. The Chromium row is skipped when
 * {@code /usr/bin/chromium} is not installed. {@code --json FILE} also writes the rows as JSON.
 */
public final class MemoryAccuracyReport {
  private MemoryAccuracyReport() {}

  public static void main(String[] args) throws Exception {
    Path json = null;
    if (args.length == 2 && args[0].equals("--json")) {
      json = Path.of(args[1]);
    } else if (args.length != 0) {
      throw new IllegalArgumentException(
          "unknown arguments " + String.join(" ", args) + "; allowed: --json FILE");
    }
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ArrayNode rows = mapper.createArrayNode();
    System.out.printf(
        Locale.ROOT,
        "%-44s %9s %12s %12s %8s%n",
        "tree",
        "processes",
        "summed RSS",
        "summed PSS",
        "RSS/PSS");
    report(
        rows,
        "50 small processes (sh + 49 sleep)",
        "i=0; while [ $i -lt 49 ]; do sleep 1000 & i=$((i+1)); done; wait",
        Duration.ofSeconds(1));
    report(
        rows,
        "bash + 8 subshells sharing its 60 MB heap",
        "exec bash -c 'x=$(head -c 30000000 /dev/zero | tr \"\\0\" a); "
            + "for i in 1 2 3 4 5 6 7 8; do ( sleep 1000; : ) & done; wait'",
        Duration.ofSeconds(2));
    if (Files.isExecutable(Path.of("/usr/bin/chromium"))) {
      Path profile = Files.createTempDirectory("stockade-accuracy-");
      try {
        report(
            rows,
            "headless Chromium on a blank page",
            "exec /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic "
                + "--no-first-run --disable-background-networking --disable-component-update "
                + "--disable-sync --user-data-dir="
                + profile
                + " about:blank",
            Duration.ofSeconds(5));
      } finally {
        TempDirectories.delete(profile);
      }
    } else {
      System.out.println("headless Chromium: skipped, /usr/bin/chromium is not installed");
    }
    if (json != null) {
      Files.writeString(
          json, mapper.writeValueAsString(mapper.createObjectNode().set("trees", rows)));
    }
  }

  private static void report(ArrayNode rows, String name, String script, Duration settle) {
    String tag = BenchProcesses.uniquePoolId("accuracy") + "/w1";
    Process root = BenchProcesses.startTree(script, tag);
    TagIndex tags = new TagIndex();
    TreeMembership membership = new TreeMembership(BenchProcesses.identityOf(root.pid()), tag);
    TeardownReport report;
    int left;
    try {
      LockSupport.parkNanos(settle.toNanos());
      ProcessTable table = ProcessTable.scan();
      tags.update(table);
      List<ProcessInfo> members = membership.refresh(table, tags);
      TreeMeter.Reading rss = new TreeMeter(MemoryAccounting.RSS).measure(members, Long.MAX_VALUE);
      TreeMeter.Reading pss = new TreeMeter(MemoryAccounting.PSS).measure(members, Long.MAX_VALUE);
      System.out.printf(
          Locale.ROOT,
          "%-44s %9d %9.1f MiB %9.1f MiB %7.1fx%n",
          name,
          members.size(),
          rss.bytes() / 1048576.0,
          pss.bytes() / 1048576.0,
          rss.bytes() / (double) pss.bytes());
      rows.addObject()
          .put("tree", name)
          .put("processes", members.size())
          .put("rss_bytes", rss.bytes())
          .put("pss_bytes", pss.bytes());
    } finally {
      report = new TreeTeardown(membership, tags).end(Duration.ZERO);
      left = BenchProcesses.killAll(BenchProcesses.exactly(tag), root);
    }
    // Checked after the finally block, so a failed measurement is not hidden by this one.
    if (!report.isComplete() || left != 0) {
      throw new IllegalStateException(name + ": " + left + " processes outlived the teardown");
    }
  }
}
