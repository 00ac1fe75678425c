package dev.stockade.internal.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.CgroupMode;
import dev.stockade.EnvironmentNames;
import dev.stockade.internal.os.Tags;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ProcessList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * One test's pool of real cgroups and the processes started in them, and the clean-up that leaves
 * the machine as the test found it: every group and pool directory removed (asserted), and a {@code
 * stockade} base removed if the test made it.
 *
 * <p>Processes are started the way the pool will start them: {@code sh -c 'echo $$ > <procs> && ...
 * && exec "$@"'}, so the root is inside every hierarchy before the command runs, and each carries
 * {@code STOCKADE_TAG} of this fixture's pool, which {@code NoLeakedProcesses} checks.
 */
final class CgroupFixture implements AutoCloseable {
  final String poolId = Tags.newPoolId("cgtest");
  final String tag = Tags.workerTag(poolId, "w1");

  private final Set<Path> basesBefore = new LinkedHashSet<>();
  private final List<CgroupBase> bases = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final long createdAt = ProcessList.uptimeTicks();

  CgroupFixture() {
    for (Path base : candidateBases()) {
      if (Files.exists(base)) {
        basesBefore.add(base);
      }
    }
  }

  /**
   * The base of {@code mode} on this machine, with at least {@code controllers} for worker groups.
   * Skips the test, giving the reason, where the mode is not usable (not root, read-only mount, no
   * such hierarchy) or lacks a controller: each version's tests run where that version has what
   * they need, and a v1 test is no failure on a v2 host. That CI exercises at least one version is
   * {@link CgroupProbeTest#ciOffersACgroupVersionWithMemoryAndPids()}'s to check.
   */
  CgroupBase require(CgroupMode mode, String... controllers) {
    CgroupBase base;
    try {
      base = CgroupProbe.select(mode).base().orElseThrow();
    } catch (IllegalArgumentException e) {
      Assumptions.abort("cgroup " + mode + " is not usable here: " + e.getMessage());
      return null;
    }
    bases.add(base);
    List<String> missing = new ArrayList<>(List.of(controllers));
    missing.removeAll(base.controllers());
    Assumptions.assumeTrue(
        missing.isEmpty(),
        () ->
            "cgroup "
                + mode
                + " here offers worker"
                + " groups no "
                + String.join(" or ", missing)
                + " controller: "
                + base.description());
    return base;
  }

  /** A created group of worker {@code workerId} in this fixture's pool. */
  WorkerCgroup createWorker(CgroupBase base, String workerId) throws IOException {
    WorkerCgroup group = base.worker(poolId, workerId);
    group.create();
    return group;
  }

  /** The argv that joins {@code group} and then execs {@code command}. */
  static List<String> prelude(WorkerCgroup group, List<String> command) {
    StringBuilder script = new StringBuilder();
    for (Path procs : group.procsFiles()) {
      script.append("echo $$ > '").append(procs).append("' && ");
    }
    script.append("exec \"$@\"");
    List<String> argv = new ArrayList<>(List.of("sh", "-c", script.toString(), "sh"));
    argv.addAll(command);
    return argv;
  }

  /** Starts {@code command} inside {@code group}, output discarded. */
  Process start(WorkerCgroup group, String... command) throws IOException {
    return start(group, ProcessBuilder.Redirect.DISCARD, command);
  }

  /** Starts {@code command} inside {@code group}, stdout and stderr merged into {@code out}. */
  Process start(WorkerCgroup group, ProcessBuilder.Redirect out, String... command)
      throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(prelude(group, List.of(command)))
            .redirectErrorStream(true)
            .redirectOutput(out);
    builder.environment().put(EnvironmentNames.TAG, tag);
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  /** Starts {@code command} in no group of this fixture, tagged, output discarded. */
  Process startOutside(String... command) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put(EnvironmentNames.TAG, tag);
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  /** A shell command that starts {@code script} inside {@code group}. */
  Process startShell(WorkerCgroup group, String script) throws IOException {
    return start(group, "sh", "-c", script);
  }

  /**
   * Has a shell in {@code group} keep 200 MB of output in a variable, well past any limit the tests
   * set, and returns its exit code: 137 (128 + SIGKILL) once the OOM killer ended it.
   */
  int runMemoryHog(WorkerCgroup group) throws IOException, InterruptedException {
    return startShell(group, "x=$(head -c 200000000 /dev/zero | tr '\\0' a)").waitFor();
  }

  /**
   * Has a shell in {@code group} start 50 sleeping children, then print {@code all-started};
   * asserts that it could not: it failed saying {@code Cannot fork}, and the group holds no more
   * than {@code pidsMax} processes.
   */
  void assertFiftyForksRefused(WorkerCgroup group, int pidsMax, Path output)
      throws IOException, InterruptedException {
    Process loop =
        start(
            group,
            ProcessBuilder.Redirect.to(output.toFile()),
            "sh",
            "-c",
            "i=0; while [ $i -lt 50 ]; do sleep 300 & i=$((i+1)); done; echo all-started");

    assertThat(loop.waitFor()).isNotZero();
    assertThat(Files.readString(output, StandardCharsets.UTF_8))
        .contains("Cannot fork")
        .doesNotContain("all-started");
    assertThat(group.pids()).hasSizeLessThanOrEqualTo(pidsMax).isNotEmpty();
  }

  @Override
  public void close() throws Exception {
    Throwable failure = null;
    for (CgroupBase base : bases) {
      try {
        base.removePool(poolId, Duration.ofSeconds(5));
      } catch (IOException e) {
        failure = e;
      }
    }
    for (Process process : processes) {
      process.waitFor(5, TimeUnit.SECONDS); // reaped, so no zombie of this test lingers
    }
    // Their descendants end as zombies of the test JVM, a child subreaper. No pool of the test
    // JVM runs in these tests, so whatever started since this fixture was made is theirs.
    NoLeakedProcesses.reapWhatStartedSince(createdAt, Duration.ofSeconds(5));
    for (CgroupBase base : bases) {
      assertThat(base.poolIds()).as("pool directories after clean-up").doesNotContain(poolId);
    }
    for (Path base : candidateBases()) {
      if (!basesBefore.contains(base)) {
        Files.deleteIfExists(base);
      }
      assertThat(Files.exists(base)).as(base + " exists").isEqualTo(basesBefore.contains(base));
    }
    if (failure != null) {
      throw new AssertionError("clean-up of pool " + poolId + " failed", failure);
    }
  }

  /** Every place a probe may make a {@code stockade} base on this machine. */
  private static List<Path> candidateBases() {
    CgroupMounts mounts = CgroupMounts.current();
    List<Path> bases = new ArrayList<>();
    mounts.v2().ifPresent(h -> bases.add(h.mountPoint().resolve(CgroupProbe.BASE_NAME)));
    for (String controller : List.of("memory", "pids", "freezer")) {
      mounts
          .v1(controller)
          .ifPresent(h -> bases.add(h.mountPoint().resolve(CgroupProbe.BASE_NAME)));
    }
    return bases;
  }
}
