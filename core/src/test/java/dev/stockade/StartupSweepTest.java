package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.cgroup.CgroupBase;
import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.cgroup.CgroupSelection;
import dev.stockade.internal.cgroup.WorkerCgroup;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.testing.CapturedLog;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ProcessList;
import dev.stockade.testing.ScriptedHandler;
import dev.stockade.testing.Slowdown;
import dev.stockade.testing.TestProcesses;
import dev.stockade.testing.WorkerRuntimeHolder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The start-up sweep: a pool ends what a killed run of the same name left behind — its trees,
 * daemons that left them included, and its temporary directories — and logs it; it leaves alone the
 * trees of a live pool of that name and whatever another user owns.
 *
 * <p>Leftovers are made here as a killed run leaves them: processes carrying a tag of pool {@code
 * sweep-me-PID} whose supervising JVM's pid names no process (one above {@code pid_max}).
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(60)
class StartupSweepTest {
  /**
   * A pool name of this JVM's own: a run of this class in another JVM at the same time neither
   * sweeps the leftovers made here nor has its own killed by this clean-up.
   */
  private static final String POOL = "sweep-me-" + ProcessHandle.current().pid();

  private final List<Process> started = new ArrayList<>();
  private final List<Path> directories = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    List<ProcessList.Entry> descendants = new ArrayList<>();
    for (Process p : started) {
      descendants.addAll(ProcessList.now().descendantsOf(p.pid()));
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    // Orphaned by their shell, they end as zombies of the test JVM, a child subreaper.
    NoLeakedProcesses.reapOnceDead(descendants, Duration.ofSeconds(5));
    for (ProcessInfo p : TestProcesses.liveTagged(POOL + "@")) {
      Signals.send(p.identity(), Signal.KILL);
    }
    for (Path dir : directories) {
      if (Files.exists(dir)) {
        try (var files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
  }

  @Test
  void endsTheTreesOfAKilledRunIncludingDaemonsThatLeftThem() throws Exception {
    String tag = POOL + "@" + deadPid() + "-1a2b/w1";
    startTagged(tag, "setsid -f sleep 601; trap '' TERM; sleep 602");
    await().atMost(Duration.ofSeconds(5)).until(() -> TestProcesses.liveTagged(tag).size() >= 3);

    String log =
        CapturedLog.during(
            () -> CommandPool.builder().name(POOL).shutdownHook(false).build().close());

    await().atMost(Duration.ofSeconds(2)).until(() -> TestProcesses.liveTagged(tag).isEmpty());
    assertThat(log).contains("pool '" + POOL + "'").contains(tag).contains("ended 3 processes");
  }

  @Test
  void removesTheTemporaryDirectoriesOfAKilledRun() throws Exception {
    Path dir =
        Files.createDirectory(
            tmp()
                .resolve(
                    "stockade-"
                        + POOL
                        + "@"
                        + deadPid()
                        + "-w1-"
                        + ThreadLocalRandom.current().nextInt(1 << 30)));
    directories.add(dir);
    Files.writeString(Files.createDirectory(dir.resolve("profile")).resolve("Cookies"), "x");

    String log =
        CapturedLog.during(
            () -> CommandPool.builder().name(POOL).shutdownHook(false).build().close());

    assertThat(dir).doesNotExist();
    assertThat(log).contains(dir.toString());
  }

  @Test
  void removesTheWorkerRuntimeDirectoryOfAKilledJvm() throws Exception {
    Path javaCommand = Path.of(System.getProperty("java.home"), "bin", "java");
    Process holder =
        new ProcessBuilder(
                javaCommand.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                WorkerRuntimeHolder.class.getName(),
                POOL,
                TestProcesses.resource("workers/python/conformance_worker.py"))
            .redirectErrorStream(true)
            .start();
    started.add(holder);
    List<String> output = new ArrayList<>();
    try (var lines =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null && !line.equals("READY")) {
        output.add(line);
      }
    }
    List<Path> runtimes =
        output.stream()
            .filter(l -> l.startsWith("RUNTIME "))
            .map(l -> Path.of(l.substring("RUNTIME ".length())))
            .toList();
    assertThat(runtimes)
        .as("the runtime directory the JVM reported; its output: %s", output)
        .hasSize(1);
    Path runtime = runtimes.get(0);
    directories.add(runtime);
    Signals.send(ProcFs.readStat(holder.pid()).identity(), Signal.KILL);
    assertThat(holder.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(runtime).as("left behind by the kill").exists();

    String log =
        CapturedLog.during(
            () -> CommandPool.builder().name(POOL).shutdownHook(false).build().close());

    assertThat(runtime).doesNotExist();
    assertThat(log).contains(runtime.toString());
  }

  @Test
  @Tag("cgroup")
  void endsAndRemovesTheCgroupsOfAKilledRun() throws Exception {
    CgroupSelection selection = CgroupProbe.select(CgroupMode.AUTO);
    Assumptions.assumeTrue(selection.base().isPresent(), selection::description);
    CgroupBase base = selection.base().get();
    String poolId = POOL + "@" + deadPid() + "-1a2b";
    WorkerCgroup group = base.worker(poolId, "w1");
    group.create();
    StringBuilder join = new StringBuilder();
    for (Path procs : group.procsFiles()) {
      join.append("echo $$ > ").append(procs).append(" && ");
    }
    startTagged("unrelated", join + "exec sleep 606");
    await().atMost(Slowdown.scaled(Duration.ofSeconds(5))).until(() -> group.pids().size() == 1);

    String log =
        CapturedLog.during(
            () ->
                CommandPool.builder()
                    .name(POOL)
                    .cgroupMode(CgroupMode.AUTO)
                    .shutdownHook(false)
                    .build()
                    .close());

    assertThat(group.pids()).isEmpty();
    assertThat(group.directory()).doesNotExist();
    assertThat(group.directory().getParent()).doesNotExist();
    assertThat(log).contains(group.directory().getParent().toString());
  }

  @Test
  void leavesTheTreesOfALivePoolOfTheSameNameAlone() throws Exception {
    // A live supervising process, older than the tree it tags.
    Process supervisor = startTagged("unrelated", "exec sleep 603");
    String tag = POOL + "@" + supervisor.pid() + "-1a2b/w1";
    Process tree = startTagged(tag, "exec sleep 604");
    Path dir =
        Files.createDirectory(
            tmp().resolve("stockade-" + POOL + "@" + supervisor.pid() + "-w1-live"));
    directories.add(dir);
    Path runtime =
        Files.createDirectory(
            tmp().resolve("stockade-" + POOL + "@" + supervisor.pid() + "-runtime-live"));
    directories.add(runtime);

    String log =
        CapturedLog.during(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .name(POOL)
                    .jvmWorker(ScriptedHandler.class)
                    .shutdownHook(false)
                    .build()
                    .close());

    assertThat(TestProcesses.liveTagged(tag))
        .as(
            "the tree of a live supervisor (supervisor %s, tree %s); the pool logged:%n%s",
            describe(supervisor), describe(tree), log)
        .hasSize(1);
    assertThat(dir).exists();
    assertThat(runtime).exists();
    assertThat(log).doesNotContain(tag);
  }

  @Test
  void leavesAnotherUsersLeftoversAlone() throws Exception {
    if (!isRoot() && "true".equals(System.getenv("CI"))) {
      // Under CI a skip would hide that the guarantee went unchecked: fail instead.
      throw new AssertionError(
          "leavesAnotherUsersLeftoversAlone must run as root under CI "
              + "(CI=true), but runs as "
              + System.getProperty("user.name"));
    }
    Assumptions.assumeTrue(isRoot(), "starting a process as another user needs root");
    String setpriv = TestProcesses.requireProgram("setpriv");
    String tag = POOL + "@" + deadPid() + "-1a2b/w9";
    startTagged(tag, "exec " + setpriv + " --reuid=65534 --regid=65534 --clear-groups sleep 605");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                TestProcesses.liveTagged(tag).stream()
                    .anyMatch(p -> ProcFs.commandLine(p.pid()).equals("sleep 605")));
    Path dir =
        Files.createDirectory(tmp().resolve("stockade-" + POOL + "@" + deadPid() + "-w9-other"));
    directories.add(dir);
    Files.setAttribute(dir, "unix:uid", 65534);

    CapturedLog.during(() -> CommandPool.builder().name(POOL).shutdownHook(false).build().close());

    assertThat(TestProcesses.liveTagged(tag)).hasSize(1);
    assertThat(dir).exists();
  }

  private Process startTagged(String tag, String script) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("setsid", "sh", "-c", script);
    Map<String, String> env = builder.environment();
    env.put(EnvironmentNames.TAG, tag);
    Process p =
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    started.add(p);
    return p;
  }

  /** A started process's pid and whether it runs, or how it ended: for a failure's message. */
  private static String describe(Process p) {
    return p.pid() + (p.isAlive() ? " alive" : " ended with exit status " + p.exitValue());
  }

  /** A pid no process can have: one above the kernel's {@code pid_max}. */
  private static long deadPid() throws Exception {
    // Read as a stream: Files.readString trusts the size procfs reports for its files.
    try (var in = Files.newInputStream(Path.of("/proc/sys/kernel/pid_max"))) {
      return Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim()) + 1;
    }
  }

  private static Path tmp() {
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
