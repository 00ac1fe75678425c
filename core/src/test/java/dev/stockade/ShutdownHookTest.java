package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.ChildJvmWatchdog;
import dev.stockade.testing.ExitWhileATaskRuns;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM shutdown hook of a pool, seen from a child JVM that exits normally while a task runs: on
 * by default, it drains the running task before the JVM ends; {@code shutdownHook(false)} leaves
 * the pool to the application (here: to nobody, so the lifeline ends the task once the JVM is
 * gone).
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(120)
class ShutdownHookTest {
  @TempDir Path dir;

  /** A task of about 2 s, well inside the hook's 5 s drain, found by its unique argument. */
  private static String taskSeconds() {
    return "2." + ThreadLocalRandom.current().nextInt(100_000, 999_999);
  }

  @Test
  void theShutdownHookLetsARunningTaskFinishBeforeTheJvmExits() throws Exception {
    String seconds = taskSeconds();
    Path finished = dir.resolve("finished");

    Child child = exitWhileATaskRuns("on", seconds, finished);

    assertThat(child.exitCode).isZero();
    assertThat(child.output).contains("RUNNING").contains("shut down");
    assertThat(finished).as("the task's last step, done before the JVM ended").exists();
    assertThat(TestProcesses.liveWithCommandLine("sleep " + seconds)).isEmpty();
  }

  @Test
  void theShutdownHookCanBeTurnedOff() throws Exception {
    String seconds = taskSeconds();
    Path finished = dir.resolve("finished");

    Child child = exitWhileATaskRuns("off", seconds, finished);

    assertThat(child.exitCode).isZero();
    assertThat(child.output).contains("RUNNING").doesNotContain("shut down");
    // No hook closed the pool: the JVM's lifeline ends the task after the JVM is gone.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> TestProcesses.liveWithCommandLine("sleep " + seconds).isEmpty());
    assertThat(finished).as("the last step of a task nothing let finish").doesNotExist();
  }

  private record Child(int exitCode, String output) {}

  private static Child exitWhileATaskRuns(String hook, String seconds, Path file) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    ExitWhileATaskRuns.class.getName(),
                    hook,
                    seconds,
                    file.toString()))
            .redirectErrorStream(true)
            .start();
    byte[] output = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String text = new String(output, StandardCharsets.UTF_8);
    // What the JVM left (its watchdog; with no hook, also the task's tree) is handed to this
    // JVM, a child subreaper, once it ends: reap exactly that.
    ChildJvmWatchdog.reapAfterExit(text);
    return new Child(process.exitValue(), text);
  }
}
