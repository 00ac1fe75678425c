package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.ChildJvmWatchdog;
import dev.stockade.testing.FloodedSupervisor;
import dev.stockade.testing.NoLeakedProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Output is read in bounded chunks: a supervisor with a 192 MiB heap goes through 400 MiB of output
 * without a newline and keeps serving. Each runs in a child JVM, started with {@code
 * -XX:+ExitOnOutOfMemoryError}, so an {@code OutOfMemoryError} on any of its threads ends it with a
 * code of its own instead of being caught somewhere and missed.
 */
@ExtendWith(NoLeakedProcesses.class)
class OutputFloodTest {
  private static final String HEAP = "-Xmx192m";

  @Test
  void aWorkerFloodingStderrWithoutANewlineLeavesASmallHeapSupervisorServing() throws Exception {
    Run run = runSupervisor("worker");
    assertThat(run.output())
        .as("the supervisor's output")
        .contains("SERVED flooded, still serving");
    assertThat(run.exitCode()).as("exit code; the output was:%n%s", run.tail()).isZero();
  }

  @Test
  void aCommandFloodingStdoutAndStderrWithoutANewlineLeavesASmallHeapSupervisorServing()
      throws Exception {
    long bytes = (long) FloodedSupervisor.MEBIBYTES << 20;
    Run run = runSupervisor("command");
    assertThat(run.output())
        .as("the supervisor's output")
        .contains("SERVED " + bytes + " + " + bytes + " bytes, then still serving");
    assertThat(run.exitCode()).as("exit code; the output was:%n%s", run.tail()).isZero();
  }

  private record Run(int exitCode, String output) {
    String tail() {
      return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
    }
  }

  /** Runs {@link FloodedSupervisor} with the same launcher and containment as this run. */
  private static Run runSupervisor(String mode) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP,
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path")));
    for (String property : List.of("dev.stockade.launcher", "stockade.cgroupMode")) {
      if (System.getProperty(property) != null) {
        command.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    command.add(FloodedSupervisor.class.getName());
    command.add(mode);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return e.toString();
              }
            });
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the supervisor did not finish within 180 s");
    }
    Run run = new Run(process.exitValue(), output.get(10, TimeUnit.SECONDS));
    ChildJvmWatchdog.reapAfterExit(run.output());
    return run;
  }
}
