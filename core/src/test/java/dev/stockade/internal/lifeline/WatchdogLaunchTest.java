package dev.stockade.internal.lifeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.internal.os.LaunchSpec;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog starts no process of its own: JNA, left to itself, reads {@code ldconfig -p} from a
 * child that is a zombie of the watchdog until its JVM gets round to it — a process of the
 * application's that no pool made. {@code strace} sees every {@code execve}, however brief.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(120)
class WatchdogLaunchTest {
  @TempDir Path dir;

  /** Runs the watchdog as {@code argv} until it is ready, then closes its pipe; its execs. */
  private List<String> execsOfWatchdog(List<String> argv) throws Exception {
    Path trace = dir.resolve("execve.txt");
    List<String> command =
        new ArrayList<>(
            List.of(
                TestProcesses.requireProgram("strace"),
                "-f",
                "-qq",
                "-e",
                "trace=execve",
                "-o",
                trace.toString()));
    command.addAll(argv);
    Process watchdog = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader output =
        new BufferedReader(
            new InputStreamReader(watchdog.getInputStream(), StandardCharsets.UTF_8));
    assertThat(output.readLine()).isEqualTo(Watchdog.READY);
    watchdog.getOutputStream().close(); // as if this JVM had died with no tree alive
    assertThat(watchdog.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return Files.readAllLines(trace).stream().filter(line -> line.contains("execve(")).toList();
  }

  private static List<String> watchdogCommand() throws Exception {
    LaunchSpec spec = Lifeline.spec(ProcFs.readStat(ProcessHandle.current().pid()).identity());
    return spec.arguments();
  }

  @Test
  void theWatchdogStartsNoProcessOfItsOwn() throws Exception {
    List<String> execs = execsOfWatchdog(watchdogCommand());

    assertThat(execs).noneMatch(line -> line.contains("ldconfig"));
    assertThat(execs).hasSize(1); // the watchdog's JVM itself
  }

  @Test
  void withoutItsLibraryPathJnaWouldStartLdconfig() throws Exception {
    List<String> argv = new ArrayList<>(watchdogCommand());
    assertThat(argv.removeIf(a -> a.startsWith("-Djna.platform.library.path="))).isTrue();

    List<String> execs = execsOfWatchdog(argv);

    assertThat(execs).anyMatch(line -> line.contains("ldconfig"));
  }
}
