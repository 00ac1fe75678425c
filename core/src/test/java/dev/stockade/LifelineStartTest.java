package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.lifeline.Watchdog;
import dev.stockade.testing.BrokenClassPathSupervisor;
import dev.stockade.testing.InMemoryClassLoader;
import dev.stockade.testing.InMemoryLibrarySupervisor;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ProcessList;
import dev.stockade.testing.SlowWatchdogSupervisor;
import dev.stockade.testing.TestProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A lifeline that cannot start is never silent: the ERROR names the watchdog's own words (or the
 * launch shape from which none can be started), the snapshot shows it, and {@code
 * requireLifeline(true)} makes it fatal at {@code build()}; a watchdog too slow to say it is ready
 * is replaced without holding up the pool; and with {@code requireLifeline(true)} a working
 * lifeline runs before the first tree.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(120)
class LifelineStartTest {
  private static final String NO_MAIN_CLASS =
      "Could not find or load main class " + Watchdog.class.getName();

  @Test
  void aWatchdogThatCannotLoadItsMainClassIsLoggedAtErrorWithItsWordsAndShownInTheSnapshot()
      throws Exception {
    String output = runSupervisor("run");

    assertThat(output)
        .as("the ERROR, with the watchdog's stderr")
        .containsPattern(
            "ERROR dev\\.stockade\\.internal\\.lifeline\\.Lifeline - the lifeline's watchdog "
                + "\\(pid \\d+\\) died \\(exit code 1\\) before it was ready; its stderr: Error: "
                + NO_MAIN_CLASS.replace(".", "\\."));
    assertThat(output.lines().filter(l -> l.startsWith("LIFELINE ")).findFirst())
        .as("the snapshot's lifeline")
        .get()
        .asString()
        .startsWith("LIFELINE running=false pid=-1 not running: the watchdog (pid ")
        .contains(NO_MAIN_CLASS);
  }

  @Test
  void aPoolWhoseLifelineCannotStartIsDegradedSayingWhy() throws Exception {
    String output = runSupervisor("run");

    assertThat(output.lines().filter(l -> l.startsWith("HEALTH ")).findFirst())
        .as("the pool's health")
        .get()
        .asString()
        .contains(" DEGRADED: NO_LIFELINE (the lifeline is not running: the watchdog (pid ")
        .contains(NO_MAIN_CLASS);
  }

  @Test
  void requireLifelineMakesAWatchdogThatCannotStartFatalAtBuild() throws Exception {
    String output = runSupervisor("require");

    assertThat(output)
        .contains("BUILD FAILED: the lifeline's watchdog (pid ")
        .contains(NO_MAIN_CLASS)
        .doesNotContain("BUILT");
  }

  @Test
  void aLibraryWhoseClassesAreNotFilesMakesTheLifelineUnavailableAtErrorNamingTheShape()
      throws Exception {
    String output = runSupervisor(InMemoryLibrarySupervisor.class, "run");

    assertThat(output)
        .as("the ERROR")
        .contains(
            "ERROR dev.stockade.internal.lifeline.Lifeline"
                + " - the lifeline's watchdog cannot be started, so trees of this JVM will not be "
                + "ended if it is killed: "
                + Watchdog.class.getName()
                + " was loaded by "
                + InMemoryClassLoader.class.getName()
                + " 'in-memory'");
    assertThat(output)
        .as("the snapshot's lifeline")
        .contains(
            "LIFELINE running=false pid=-1 "
                + "unavailable: the watchdog cannot be started: "
                + Watchdog.class.getName()
                + " was loaded by ")
        .contains("(shape: a class loader whose classes are not files");
  }

  @Test
  void requireLifelineFailsTheBuildOfALibraryWhoseClassesAreNotFiles() throws Exception {
    String output = runSupervisor(InMemoryLibrarySupervisor.class, "require");

    assertThat(output)
        .contains(
            "BUILD FAILED: the lifeline is not running: the watchdog cannot "
                + "be started: "
                + Watchdog.class.getName()
                + " was loaded by "
                + InMemoryClassLoader.class.getName())
        .doesNotContain("BUILT");
  }

  @Test
  void requireLifelineStartsTheWatchdogBeforeAnyTree() {
    try (CommandPool pool =
        CommandPool.builder()
            .name("lifeline-required")
            .shutdownHook(false)
            .requireLifeline(true)
            .build()) {
      LifelineStatus lifeline = pool.snapshot().lifeline();

      assertThat(lifeline.running()).as("%s", lifeline).isTrue();
      assertThat(lifeline.description())
          .isEqualTo("watchdog pid " + lifeline.watchdogPid().getAsLong());
      assertThat(
              TestProcesses.liveWithCommandLine(
                  Watchdog.class.getName() + " " + ProcessHandle.current().pid() + " "))
          .as("the watchdog, by its command line")
          .singleElement()
          .asString()
          .startsWith(lifeline.watchdogPid().getAsLong() + " ");
    }
  }

  @Test
  void aWatchdogNotReadyInTimeIsReplacedAtErrorAndThePoolGoesOn() throws Exception {
    long startedAt = ProcessList.uptimeTicks();

    String output =
        runSupervisor(
            SlowWatchdogSupervisor.class, "run", "-D" + Lifeline.READY_TIMEOUT_PROPERTY + "=1");
    // Its watchdogs outlive it for a moment and are handed to this JVM, a child subreaper.
    NoLeakedProcesses.reapWhatStartedSince(startedAt, Duration.ofSeconds(5));

    assertThat(output)
        .as("the ERROR")
        .containsPattern(
            "ERROR dev\\.stockade\\.internal\\.lifeline\\.Lifeline - the lifeline's watchdog "
                + "\\(pid \\d+\\) was not ready 1 ms after its start");
    assertThat(output.lines().filter(l -> l.startsWith("LIFELINE ")).findFirst())
        .as("the snapshot's lifeline, read after a task ran")
        .get()
        .asString()
        .startsWith("LIFELINE running=false pid=-1 not running: the watchdog (pid ")
        .contains("was not ready 1 ms after its start");
  }

  @Test
  void aMalformedReadyTimeoutIsReportedNamingThePropertyAndTheDefaultIsUsed() throws Exception {
    String output =
        runSupervisor(
            BrokenClassPathSupervisor.class,
            "run",
            "-D" + Lifeline.READY_TIMEOUT_PROPERTY + "=soon");

    assertThat(output)
        .contains(
            "ERROR dev.stockade.internal.lifeline.Lifeline - system property "
                + Lifeline.READY_TIMEOUT_PROPERTY
                + " must be a positive number of milliseconds, but "
                + "was 'soon'; using 20000");
    assertThat(output).as("the watchdog still reported in its own words").contains(NO_MAIN_CLASS);
  }

  private static String runSupervisor(String mode) throws IOException, InterruptedException {
    return runSupervisor(BrokenClassPathSupervisor.class, mode);
  }

  /** Runs {@code main} to its end, with {@code jvmOptions}, and returns what it printed. */
  private static String runSupervisor(Class<?> main, String mode, String... jvmOptions)
      throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString()));
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName(), mode));
    // Into a file, not a pipe: a supervisor that hangs fails the test, not blocks its reader.
    Path output = Files.createTempFile("lifeline-start-", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      boolean exited = process.waitFor(60, TimeUnit.SECONDS);
      if (!exited) {
        process.destroyForcibly().waitFor();
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      assertThat(exited).as("the supervisor ended within 60 s; it printed:%n%s", text).isTrue();
      return text;
    } finally {
      Files.delete(output);
    }
  }
}
