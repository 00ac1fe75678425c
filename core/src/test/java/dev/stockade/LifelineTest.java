package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.lifeline.Watchdog;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ProcessList;
import dev.stockade.testing.SupervisorToKill;
import dev.stockade.testing.TestProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lifeline: when the JVM that runs the pools is killed with SIGKILL — no shutdown hook runs —
 * every process of every pool it ran is gone within 2 s: command trees with a daemon that
 * double-forked into its own session, trees that ignore SIGTERM, a headless Chromium started in a
 * session of its own, and busy persistent workers.
 *
 * <p>What belonged to the killed JVM is found by this test on its own, with a {@code /proc} walk
 * independent of the library's: the JVM's descendants, every process whose {@code STOCKADE_TAG}
 * names that JVM, and their descendants.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(120)
class LifelineTest {
  private Process supervisor;

  /** Every line the supervisor printed so far. */
  private final List<String> supervisorOutput = new CopyOnWriteArrayList<>();

  /**
   * The processes of the supervisor when it was killed. The test JVM is a child subreaper, so they
   * end as its zombies (the supervisor's library cannot reap what is not its child): these are
   * reaped, and only these.
   */
  private final Map<Long, ProcessList.Entry> ofKilledSupervisor = new HashMap<>();

  /** The sessions and process groups of those processes. */
  private final Set<Long> sessionsAndGroups = new HashSet<>();

  private long supervisorStart;

  @AfterEach
  void killWhateverIsLeft() {
    if (supervisor != null) {
      record(ofSupervisor(supervisor.pid()).values());
      supervisor.destroyForcibly();
      for (ProcessInfo p : ofSupervisor(supervisor.pid()).values()) {
        Signals.send(p.identity(), Signal.KILL);
      }
      NoLeakedProcesses.reapOnceDead(ofKilledSupervisor.values(), Duration.ofSeconds(10));
      // What they left in their last moments, now that they are gone.
      NoLeakedProcesses.reapOnceDead(zombiesOfTheirSessions(), Duration.ofSeconds(10));
    }
  }

  /** Kills the supervisor with SIGKILL, noting its processes first. */
  private void killSupervisor() {
    record(ofSupervisor(supervisor.pid()).values());
    Signals.send(ProcFs.readStat(supervisor.pid()).identity(), Signal.KILL);
  }

  /**
   * Notes {@code processes}, and the zombies they already left to the test JVM: the middle
   * processes of double forks in their sessions or groups (Chromium's crashpad handler's).
   */
  private void record(Collection<ProcessInfo> processes) {
    for (ProcessInfo p : processes) {
      ofKilledSupervisor.putIfAbsent(p.pid(), ProcessList.Entry.of(p.pid(), p.startTime()));
      sessionsAndGroups.add(p.sid());
      sessionsAndGroups.add(p.pgid());
    }
    for (ProcessList.Entry e : zombiesOfTheirSessions()) {
      ofKilledSupervisor.putIfAbsent(e.pid(), e);
    }
  }

  /**
   * Zombie children of the test JVM, started after the supervisor, in or leading a session or group
   * of the supervisor's processes: the middle processes of double forks (Chromium's crashpad
   * handler's), and what its trees left when they were killed.
   */
  private List<ProcessList.Entry> zombiesOfTheirSessions() {
    long self = ProcessHandle.current().pid();
    // Never one in the test JVM's own session: those are its own Processes, the JDK's to reap.
    long ownSession = ProcessList.of(self).sid();
    return ProcessList.now().descendantsOf(self).stream()
        .filter(
            e ->
                e.isZombie()
                    && e.ppid() == self
                    && e.startTime() >= supervisorStart
                    && e.sid() != ownSession
                    && (sessionsAndGroups.contains(e.pid())
                        || sessionsAndGroups.contains(e.sid())
                        || sessionsAndGroups.contains(e.pgid())))
        .toList();
  }

  @Test
  void endsEveryTreeOfASupervisorKilledWithSigkill() throws Exception {
    String chromium = TestProcesses.requireProgram("chromium");
    supervisor = startSupervisor(chromium);

    Map<Long, ProcessInfo> before = ofSupervisor(supervisor.pid());
    assertThat(before.values())
        .as("the escapee in a session of its own is among them")
        .anyMatch(p -> ProcFs.commandLine(p.pid()).equals("sleep 600") && p.sid() == p.pid());
    assertThat(before.values())
        .as("chromium's crashpad handler, in its own session")
        .anyMatch(p -> ProcFs.commandLine(p.pid()).contains("chrome_crashpad_handler"));
    if (!CgroupProbe.select(CgroupMode.AUTO).description().startsWith("no cgroups")) {
      assertThat(TestProcesses.poolCgroupsOf(supervisor.pid()))
          .as("its pools' cgroups")
          .isNotEmpty();
    }
    assertThat(before.values())
        .as("the busy JVM workers")
        .anyMatch(p -> ProcFs.commandLine(p.pid()).contains("dev.stockade.worker.WorkerMain"));

    long killedAt = System.nanoTime();
    killSupervisor();

    await()
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> alive(before.values()).isEmpty());
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    assertThat(tookMillis)
        .as("every process of the killed JVM's pools gone within 2 s")
        .isLessThanOrEqualTo(2000);
    assertThat(ofSupervisor(supervisor.pid())).as("nothing of its pools appeared since").isEmpty();
    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThat(TestProcesses.poolCgroupsOf(supervisor.pid()))
                    .as("the cgroups of its pools")
                    .isEmpty());
  }

  @Test
  void startsAnotherWatchdogAtOnceWhenItsWatchdogDies() throws Exception {
    try (CommandPool pool = CommandPool.builder().name("lifeline-restart").build()) {
      CompletableFuture<CommandResult> longLived =
          pool.run(Command.of("sleep", TestProcesses.uniqueSleepSeconds()));
      await().atMost(Duration.ofSeconds(10)).until(() -> Lifeline.get().watchdogPid() > 0);
      long first = Lifeline.get().watchdogPid();

      Signals.send(ProcFs.readStat(first).identity(), Signal.KILL);
      // No tree starts meanwhile: the death itself must bring the replacement.
      await()
          .atMost(Duration.ofSeconds(3))
          .until(() -> Lifeline.get().watchdogPid() > 0 && Lifeline.get().watchdogPid() != first);

      long second = Lifeline.get().watchdogPid();
      assertThat(watchdogsOf(ProcessHandle.current().pid()))
          .as("by its command line")
          .containsExactly(second);
      // Named as the watchdog once it said it is ready (a JVM's start).
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> Lifeline.get().describe().equals("watchdog pid " + second));
      assertThat(longLived).isNotDone();
    }
  }

  @Test
  void replacesAKilledWatchdogOfLongLivedWorkersSoTheirTreesStillEndWithTheirJvm()
      throws Exception {
    String seconds = TestProcesses.uniqueSleepSeconds();
    supervisor = startSupervisor("-", seconds);
    long jvm = supervisor.pid();
    Map<Long, ProcessInfo> before = ofSupervisor(jvm);
    assertThat(TestProcesses.liveWithCommandLine(seconds))
        .as("its sleeps and JVM workers, by command line")
        .hasSizeGreaterThanOrEqualTo(6);
    List<Long> watchdogs = watchdogsOf(jvm);
    assertThat(watchdogs).as("one watchdog").hasSize(1);
    long first = watchdogs.get(0);
    assertThat(supervisorOutput).contains("WATCHDOG " + first);

    Signals.send(ProcFs.readStat(first).identity(), Signal.KILL);
    await()
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () ->
                assertThat(watchdogsOf(jvm))
                    .as("its watchdogs (its output: %s)", supervisorOutput)
                    .hasSize(1)
                    .doesNotContain(first));
    long second = watchdogsOf(jvm).get(0);
    await("the new watchdog told of every live tree")
        .atMost(Duration.ofSeconds(5))
        .until(() -> supervisorOutput.contains("WATCHDOG " + second));
    assertThat(supervisorOutput)
        .as("the death logged at WARN")
        .anyMatch(
            line ->
                line.contains("WARN")
                    && line.contains("watchdog (pid " + first + ") died (signal 9"));
    Map<Long, ProcessInfo> now = ofSupervisor(jvm);
    assertThat(tagsOf(now.values()))
        .as("no tree started since")
        .isEqualTo(tagsOf(before.values()))
        .isNotEmpty();
    before.remove(first);
    assertThat(alive(before.values()))
        .as("every process of its trees still runs")
        .hasSameSizeAs(before.values());

    killSupervisor();

    await()
        .atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () ->
                assertThat(commandLines(alive(before.values())))
                    .as("its processes still alive")
                    .isEmpty());
    assertThat(TestProcesses.liveWithCommandLine(seconds))
        .as("nothing of its trees, by command line")
        .isEmpty();
    assertThat(ofSupervisor(jvm)).as("nothing of its pools, by tag and parentage").isEmpty();
    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThat(TestProcesses.poolCgroupsOf(jvm))
                    .as("the cgroups of its pools")
                    .isEmpty());
  }

  /** Starts {@link SupervisorToKill} with {@code arguments} and waits for its READY. */
  private Process startSupervisor(String... arguments) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        new ArrayList<>(
            List.of(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                SupervisorToKill.class.getName()));
    command.addAll(List.of(arguments));
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    supervisorStart = ProcessList.of(process.pid()).startTime();
    // Read its output to the end, so it never blocks on a full pipe.
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  supervisorOutput.add(line);
                }
              } catch (IOException e) {
                // it was killed
              }
            },
            "supervisor-output");
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> supervisorOutput.contains("READY") || !process.isAlive());
    assertThat(supervisorOutput).as("the supervisor's output").contains("READY");
    return process;
  }

  /** The pids of the live watchdogs of the JVM {@code pid}, found by their command line. */
  private static List<Long> watchdogsOf(long pid) {
    return TestProcesses.liveWithCommandLine(Watchdog.class.getName() + " " + pid + " ").stream()
        .map(line -> Long.parseLong(line.substring(0, line.indexOf(' '))))
        .toList();
  }

  /** The tags of {@code processes}. */
  private static Set<String> tagsOf(Collection<ProcessInfo> processes) {
    Set<String> tags = new HashSet<>();
    for (ProcessInfo p : processes) {
      String tag = ProcFs.environmentValue(p.pid(), EnvironmentNames.TAG);
      if (tag != null) {
        tags.add(tag);
      }
    }
    return tags;
  }

  /**
   * The live processes that belong to the JVM {@code pid}: its descendants, the processes whose tag
   * names it ({@code name@PID-nonce/worker}), and their descendants.
   */
  private static Map<Long, ProcessInfo> ofSupervisor(long pid) {
    ProcessTable table = ProcessTable.scan();
    Map<Long, ProcessInfo> found = new HashMap<>();
    Deque<ProcessInfo> frontier = new ArrayDeque<>();
    for (ProcessInfo p : table.all()) {
      if (p.isEnded()) {
        continue;
      }
      String tag = ProcFs.environmentValue(p.pid(), EnvironmentNames.TAG);
      if (p.ppid() == pid || (tag != null && tag.contains("@" + pid + "-"))) {
        found.put(p.pid(), p);
        frontier.add(p);
      }
    }
    while (!frontier.isEmpty()) {
      ProcessInfo parent = frontier.poll();
      for (ProcessInfo child : table.childrenOf(parent.pid())) {
        if (!child.isEnded()
            && child.startTime() >= parent.startTime()
            && found.putIfAbsent(child.pid(), child) == null) {
          frontier.add(child);
        }
      }
    }
    return found;
  }

  private static List<String> commandLines(List<ProcessIdentity> processes) {
    return processes.stream().map(p -> p.pid() + " " + ProcFs.commandLine(p.pid())).toList();
  }

  private static List<ProcessIdentity> alive(Collection<ProcessInfo> processes) {
    return processes.stream()
        .map(ProcessInfo::identity)
        .filter(
            identity -> {
              ProcessInfo now = ProcFs.readStat(identity.pid());
              return now != null && now.is(identity) && !now.isEnded();
            })
        .toList();
  }
}
