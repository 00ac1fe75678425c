package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.internal.os.TempDirectories;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ScriptedHandler;
import dev.stockade.testing.ShutdownHooksThroughFailedBuilds;
import dev.stockade.testing.TestProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@code build()} that throws has started nothing: no thread, no shutdown hook, no directory.
 * Every check comes before the first of them.
 */
@ExtendWith(NoLeakedProcesses.class)
class FailedBuildTest {
  private static final Duration HUGE = Duration.ofSeconds(Long.MAX_VALUE);

  static String uniqueName(String what) {
    return what + "-" + ThreadLocalRandom.current().nextInt(100_000, 999_999);
  }

  @Test
  void aRefusedCommandPoolLeavesNoThread() {
    String name = uniqueName("refused-commands");
    assertThatThrownBy(() -> CommandPool.builder().name(name).taskTimeout(HUGE).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(threadsOf(name)).isEmpty();
  }

  @Test
  void aRefusedWorkerPoolLeavesNoThread() {
    String name = uniqueName("refused-workers");
    assertThatThrownBy(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .name(name)
                    .jvmWorker(ScriptedHandler.class)
                    .idleTimeout(HUGE)
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(threadsOf(name)).isEmpty();
  }

  @Test
  void aRefusedPythonWorkerPoolLeavesNoRuntimeDirectory() throws IOException {
    String name = uniqueName("refused-python");
    // Refused by a check of the machine, with a worker kind and a program that pass theirs.
    assertThatThrownBy(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .name(name)
                    .pythonWorker(
                        Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
                    .minFreeMemory(MemorySize.ofGibibytes(1L << 20))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("minFreeMemory must be below the memory this JVM may use");
    assertThat(runtimeDirectoriesOf(name)).isEmpty();
    assertThat(threadsOf(name)).isEmpty();
  }

  @Test
  void aBuiltPythonWorkerPoolHasARuntimeDirectoryUntilClosed() throws IOException {
    // The control: the directory the refused build must not leave is one a build does make.
    String name = uniqueName("built-python");
    WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .name(name)
            .pythonWorker(Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
            .shutdownHook(false)
            .build();
    assertThat(runtimeDirectoriesOf(name)).hasSize(1);
    pool.close();
    assertThat(runtimeDirectoriesOf(name)).isEmpty();
  }

  @Test
  void refusedBuildsRegisterNoShutdownHook() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                java.toString(),
                "--add-opens",
                "java.base/java.lang=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path"),
                ShutdownHooksThroughFailedBuilds.class.getName())
            .redirectErrorStream(true)
            .start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(output.lines().filter(l -> l.startsWith("refused: ")).count())
        .as(output)
        .isEqualTo(3);
    assertThat(output)
        .contains(
            "before: []",
            "after refused builds: []",
            "while open: [stockade-hooks-control-shutdown]",
            "after close: []");
  }

  static List<String> threadsOf(String poolName) {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(n -> n.startsWith("stockade-" + poolName + "-"))
        .toList();
  }

  static List<Path> runtimeDirectoriesOf(String poolName) throws IOException {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> tmp =
        Files.newDirectoryStream(
            Path.of(System.getProperty("java.io.tmpdir")),
            TempDirectories.prefixFor(poolName) + ProcessHandle.current().pid() + "-runtime-*")) {
      tmp.forEach(found::add);
    }
    return found;
  }
}
