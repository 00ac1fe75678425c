package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.OrphanMakingSupervisor;
import dev.stockade.testing.ProcessList;
import dev.stockade.testing.TestProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No zombies, ever: the orphans of a pool's trees are reaped whether the JVM is pid 1 of its PID
 * namespace (a container without an init), a child subreaper, or neither — and the JVM's own {@link
 * Process}es keep their exit codes, since the library never takes the status of a child this JVM
 * forked.
 *
 * <p>Each case runs {@link OrphanMakingSupervisor} in a fresh PID namespace ({@code unshare --pid
 * --fork --mount-proc}) — as its pid 1, or under a shell that is pid 1 and reaps what it inherits —
 * and reads the namespace's processes from outside, through {@code /proc} with {@link ProcessList}
 * (no code of the library), as the descendants of the {@code unshare} process.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(180)
class NoZombiesTest {
  private static final Duration AFTER_CLOSE = Duration.ofSeconds(3);

  private Process unshare;
  private final List<String> output = new CopyOnWriteArrayList<>();

  @AfterEach
  void endTheNamespace() throws Exception {
    if (unshare != null && unshare.isAlive()) {
      // Its pid 1 ends with it, and the kernel ends every process of the namespace.
      unshare
          .descendants()
          .filter(p -> p.parent().map(q -> q.pid() == unshare.pid()).orElse(false))
          .forEach(ProcessHandle::destroyForcibly);
      unshare.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aJvmThatIsPidOneOfItsNamespaceLeavesNoZombie3SecondsAfterClose() throws Exception {
    expectNoZombieAfterClose(false, "plain", false);
  }

  @Test
  void aJvmThatIsAChildSubreaperLeavesNoZombie3SecondsAfterClose() throws Exception {
    expectNoZombieAfterClose(true, "subreaper", false);
  }

  @Test
  void aJvmThatIsNeitherLeavesItsTreesOrphansToItsInitAndTakesNoStatusOfItsOwnProcesses()
      throws Exception {
    expectNoZombieAfterClose(true, "plain", true);
  }

  /**
   * Runs the supervisor as {@code role}, as the namespace's pid 1 or under a shell that is, expects
   * its trees' orphans adopted by the JVM (or, if {@code orphansGoToInit}, by the namespace's pid
   * 1), then closes it and expects no zombie.
   */
  private void expectNoZombieAfterClose(boolean underShell, String role, boolean orphansGoToInit)
      throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    start(underShell, marker, role);
    long jvm = underShell ? jvmUnderShell() : namespacePidOne();

    assertAdoptedOrphans(orphansGoToInit ? namespacePidOne() : jvm, marker);
    closeAndExpectNoZombie(jvm);
  }

  /** Starts the supervisor in a fresh PID namespace and waits for its READY. */
  private void start(boolean underShell, String marker, String role) throws IOException {
    String chromium = TestProcesses.requireProgram("chromium");
    List<String> java =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path")));
    for (String property : List.of("dev.stockade.launcher", "stockade.cgroupMode")) {
      if (System.getProperty(property) != null) {
        java.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    java.addAll(List.of(OrphanMakingSupervisor.class.getName(), role, chromium, marker));
    List<String> command = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc"));
    if (underShell) {
      // A shell as pid 1 that waits for the JVM and, doing so, reaps every child it inherits;
      // the command after the JVM keeps it from exec'ing the JVM in its place.
      command.addAll(List.of("sh", "-c", "\"$@\"; exit $?", "sh"));
    }
    command.addAll(java);
    unshare = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(unshare.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  output.add(line);
                }
              } catch (IOException e) {
                // ended
              }
            },
            "namespace-output");
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> output.contains("READY") || !unshare.isAlive());
    assertThat(output).as("the supervisor's output").contains("READY");
    assertThat(output)
        .as("the supervisor's output")
        .contains("PID " + (underShell ? 2 : 1) + " SUBREAPER " + role.equals("subreaper"));
  }

  /** The host pid of the namespace's pid 1: the one child of {@code unshare}. */
  private long namespacePidOne() {
    List<ProcessList.Entry> children =
        ProcessList.now().descendantsOf(unshare.pid()).stream()
            .filter(e -> e.ppid() == unshare.pid())
            .toList();
    assertThat(children).as("unshare's children").hasSize(1);
    return children.get(0).pid();
  }

  /** The host pid of the JVM that the namespace's shell runs. */
  private long jvmUnderShell() {
    long shell = namespacePidOne();
    List<ProcessList.Entry> jvms =
        ProcessList.now().descendantsOf(shell).stream()
            .filter(
                e -> e.ppid() == shell && e.args().contains(OrphanMakingSupervisor.class.getName()))
            .toList();
    assertThat(jvms).as("the JVM under the namespace's shell").hasSize(1);
    return jvms.get(0).pid();
  }

  /**
   * The three daemons alive at READY (two double-forked, one a JVM worker's escapee) were adopted
   * by {@code reaper}, and so was a Chromium crashpad handler.
   */
  private void assertAdoptedOrphans(long reaper, String marker) {
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        ProcessList.now().descendantsOf(unshare.pid()).stream()
                            .filter(e -> e.args().equals("sleep " + marker) && !e.isZombie())
                            .toList())
                    .as("the daemons, orphans of their trees")
                    .hasSize(3)
                    .allMatch(e -> e.ppid() == reaper));
    assertThat(ProcessList.now().descendantsOf(reaper))
        .as("Chromium's crashpad handlers")
        .anyMatch(e -> e.ppid() == reaper && e.args().contains("chrome_crashpad_handler"));
  }

  /**
   * Closes the supervisor's pools and expects, within 3 s and for a second after, no zombie in the
   * namespace and nothing alive but the JVM, its shell, and its lifeline's watchdog; then that
   * every process the JVM started itself kept its exit code.
   */
  private void closeAndExpectNoZombie(long jvm) throws Exception {
    OutputStream stdin = unshare.getOutputStream();
    stdin.write("close\n".getBytes(StandardCharsets.UTF_8));
    stdin.flush();
    await().atMost(Duration.ofSeconds(60)).until(() -> output.contains("CLOSED"));
    long closedAt = System.nanoTime();

    await()
        .atMost(AFTER_CLOSE)
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () ->
                assertThat(leftInNamespace(jvm))
                    .as("the namespace's processes after close()")
                    .isEmpty());
    assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isLessThan(AFTER_CLOSE);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () ->
                assertThat(leftInNamespace(jvm))
                    .as("the namespace's processes a while after close()")
                    .isEmpty());

    stdin.write("exit\n".getBytes(StandardCharsets.UTF_8));
    stdin.flush();
    assertThat(unshare.waitFor(30, TimeUnit.SECONDS)).as("the namespace ended").isTrue();
    assertThat(output)
        .as("the supervisor's output")
        .anyMatch(line -> line.matches("OWN PROCESSES [1-9][0-9]* WRONG 0"));
  }

  /**
   * Zombies of the namespace, and its live processes other than the JVM, the shell above it and its
   * lifeline's watchdog.
   */
  private List<ProcessList.Entry> leftInNamespace(long jvm) {
    ProcessList now = ProcessList.now();
    List<ProcessList.Entry> left = new ArrayList<>();
    for (ProcessList.Entry e : now.descendantsOf(unshare.pid())) {
      boolean expected =
          !e.isZombie()
              && (e.pid() == jvm
                  || now.descendantsOf(e.pid()).stream().anyMatch(d -> d.pid() == jvm)
                  || (e.ppid() == jvm && e.args().contains("lifeline.Watchdog")));
      if (!expected) {
        left.add(e);
      }
    }
    return left;
  }
}
