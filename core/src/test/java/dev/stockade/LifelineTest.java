package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.SupervisorToKill;
import dev.stockade.testing.TestProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lifeline: when the JVM that runs the pools is killed with SIGKILL — no shutdown hook
 * runs — every process of every pool it ran is gone within 2 s: command trees with a daemon
 * that double-forked into its own session, trees that ignore SIGTERM, a headless Chromium
 * started in a session of its own, and busy persistent workers.
 *
 * <p>What belonged to the killed JVM is found by this test on its own, with a {@code /proc} walk
 * independent of the library's: the JVM's descendants, every process whose {@code STOCKADE_TAG}
 * names that JVM, and their descendants.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(120)
class LifelineTest {
  private Process supervisor;

  @AfterEach
  void killWhateverIsLeft() {
    if (supervisor != null) {
      supervisor.destroyForcibly();
      for (ProcessInfo p : ofSupervisor(supervisor.pid()).values()) {
        Signals.send(p.identity(), Signal.KILL);
      }
    }
  }

  @Test
  void endsEveryTreeOfASupervisorKilledWithSigkill() throws Exception {
    String chromium = TestProcesses.requireProgram("chromium");
    supervisor = startSupervisor(chromium);

    Map<Long, ProcessInfo> before = ofSupervisor(supervisor.pid());
    assertThat(before.values()).as("the escapee in a session of its own is among them")
        .anyMatch(p -> ProcFs.commandLine(p.pid()).equals("sleep 600") && p.sid() == p.pid());
    assertThat(before.values()).as("chromium's crashpad handler, in its own session")
        .anyMatch(p -> ProcFs.commandLine(p.pid()).contains("chrome_crashpad_handler"));
    if (!CgroupProbe.select(CgroupMode.AUTO).description().startsWith("no cgroups")) {
      assertThat(TestProcesses.poolCgroupsOf(supervisor.pid())).as("its pools' cgroups")
          .isNotEmpty();
    }
    assertThat(before.values()).as("the busy JVM workers")
        .anyMatch(p -> ProcFs.commandLine(p.pid()).contains("dev.stockade.worker.WorkerMain"));

    long killedAt = System.nanoTime();
    Signals.send(ProcFs.readStat(supervisor.pid()).identity(), Signal.KILL);

    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
        .until(() -> alive(before.values()).isEmpty());
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    assertThat(tookMillis).as("every process of the killed JVM's pools gone within 2 s")
        .isLessThanOrEqualTo(2000);
    assertThat(ofSupervisor(supervisor.pid())).as("nothing of its pools appeared since")
        .isEmpty();
    await().atMost(Duration.ofSeconds(3)).untilAsserted(() ->
        assertThat(TestProcesses.poolCgroupsOf(supervisor.pid()))
            .as("the cgroups of its pools").isEmpty());
  }

  @Test
  void startsAnotherWatchdogWhenItsWatchdogDies() throws Exception {
    try (CommandPool pool = CommandPool.builder().name("lifeline-restart").build()) {
      pool.run(Command.of("true")).get(10, TimeUnit.SECONDS);
      long first = Lifeline.get().watchdogPid();
      assertThat(first).as("a watchdog runs once a tree has started").isPositive();

      Signals.send(ProcFs.readStat(first).identity(), Signal.KILL);
      await().atMost(Duration.ofSeconds(5)).until(() -> Lifeline.get().watchdogPid() != first);
      pool.run(Command.of("true")).get(10, TimeUnit.SECONDS);

      assertThat(Lifeline.get().watchdogPid()).isPositive().isNotEqualTo(first);
      assertThat(Lifeline.get().describe()).isEqualTo("watchdog pid " + Lifeline.get().watchdogPid());
    }
  }

  private static Process startSupervisor(String chromium) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process = new ProcessBuilder(java.toString(), "-cp",
        System.getProperty("java.class.path"), SupervisorToKill.class.getName(), chromium)
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String ready = CompletableFuture.supplyAsync(() -> {
      try {
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
          if (line.equals("READY")) {
            return line;
          }
          seen.append(line).append('\n');
        }
        return seen.toString();
      } catch (IOException e) {
        return e.toString();
      }
    }).get(90, TimeUnit.SECONDS);
    assertThat(ready).as("the supervisor's output").isEqualTo("READY");
    // Keep draining its output so it never blocks on a full pipe.
    CompletableFuture.runAsync(() -> {
      try {
        out.transferTo(Writer.nullWriter());
      } catch (IOException e) {
        // it was killed
      }
    });
    return process;
  }

  /**
   * The live processes that belong to the JVM {@code pid}: its descendants, the processes whose
   * tag names it ({@code name@PID-nonce/worker}), and their descendants.
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
        if (!child.isEnded() && child.startTime() >= parent.startTime()
            && found.putIfAbsent(child.pid(), child) == null) {
          frontier.add(child);
        }
      }
    }
    return found;
  }

  private static List<ProcessIdentity> alive(Collection<ProcessInfo> processes) {
    return processes.stream().map(ProcessInfo::identity).filter(identity -> {
      ProcessInfo now = ProcFs.readStat(identity.pid());
      return now != null && now.is(identity) && !now.isEnded();
    }).toList();
  }
}
