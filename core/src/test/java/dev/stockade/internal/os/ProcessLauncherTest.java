package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.ExitStatus;
import dev.stockade.testing.NoLeakedProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Both ways of starting a root process keep the same contract. */
@ExtendWith(NoLeakedProcesses.class)
class ProcessLauncherTest {
  private final ExecutorService waiter = Executors.newCachedThreadPool();

  @AfterEach
  void stopWaiter() {
    waiter.shutdownNow();
  }

  static Stream<ProcessLauncher> launchers() {
    return PosixSpawnLauncher.isAvailable()
        ? Stream.of(new PosixSpawnLauncher(), new JdkProcessLauncher())
        : Stream.of(new JdkProcessLauncher());
  }

  private static LaunchSpec sh(String script, Path dir) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("GREETING", "grüezi");
    return new LaunchSpec(
        Path.of("/bin/sh"), List.of("sh", "-c", script), env, dir, true, true, false);
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void startsInANewSessionWithOutputEnvironmentAndDirectory(
      ProcessLauncher launcher, @TempDir Path dir) throws Exception {
    SpawnedProcess p =
        launcher.launch(
            sh(
                "echo \"$GREETING $(pwd)\"; echo oops >&2; cut -d' ' -f6 /proc/$$/stat; read x; "
                    + "echo \"stdin:$x\"; exit 3",
                dir),
            waiter);
    String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.stderr().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exit().get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(3));
    assertThat(out).isEqualTo("grüezi " + dir.toRealPath() + "\n" + p.pid() + "\nstdin:\n");
    assertThat(err).isEqualTo("oops\n");
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void reportsADeathBySignal(ProcessLauncher launcher) throws Exception {
    SpawnedProcess p = launcher.launch(sh("kill -SEGV $$", null), waiter);
    assertThat(p.exit().get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killedBy(11));
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void pipesStandardInputWhenAsked(ProcessLauncher launcher) throws Exception {
    LaunchSpec cat =
        new LaunchSpec(
            Path.of("/bin/cat"), List.of("cat"), System.getenv(), null, true, true, true);
    SpawnedProcess p = launcher.launch(cat, waiter);
    try (var in = p.stdin()) {
      in.write("through the pipe".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8))
        .isEqualTo("through the pipe");
    assertThat(p.exit().get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0));
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void failsToStartAMissingProgram(ProcessLauncher launcher) {
    LaunchSpec missing =
        new LaunchSpec(
            Path.of("/nonexistent/program"),
            List.of("program"),
            System.getenv(),
            null,
            true,
            true,
            false);
    assertThatThrownBy(() -> launcher.launch(missing, waiter)).isInstanceOf(IOException.class);
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void passesNoDescriptorButTheThreeStandardOnes(ProcessLauncher launcher) throws Exception {
    SpawnedProcess p =
        launcher.launch(sh("ls /proc/self/fd | sort -n | tr '\\n' ' '", null), waiter);
    String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
    p.exit().get(10, TimeUnit.SECONDS);
    // 0, 1, 2, and the descriptor ls opened to list the directory
    assertThat(out.trim().split(" ")).hasSizeLessThanOrEqualTo(4).startsWith("0", "1", "2");
  }

  @Test
  void tellsAnExitCodeAbove128FromASignalWhenSpawningItself() throws Exception {
    Assumptions.assumeTrue(PosixSpawnLauncher.isAvailable());
    SpawnedProcess p = new PosixSpawnLauncher().launch(sh("exit 139", null), waiter);
    assertThat(p.exit().get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(139));
  }
}
