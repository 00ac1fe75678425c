package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.BuildWithoutInterpreters;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ScriptedHandler;
import dev.stockade.testing.TestProcesses;
import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every WorkerPool setting is checked at build(), naming the setting, rule and value. */
@ExtendWith(NoLeakedProcesses.class)
class WorkerPoolBuilderValidationTest {
  static Stream<Arguments> badSettings() {
    return Stream.of(
        bad(b -> b.workers(0), "workers must be between 1 and 4096, but was 0"),
        bad(b -> b.workers(2).minIdle(3), "minIdle must be between 0 and workers (2), but was 3"),
        bad(
            b -> b.softMemoryLimit(MemorySize.ofGibibytes(2)),
            "softMemoryLimit must be at least one page and below memoryLimit (1.0 GiB), but was "
                + "2.0 GiB"),
        bad(
            b ->
                b.heartbeatInterval(Duration.ofSeconds(1))
                    .heartbeatTimeout(Duration.ofMillis(1500)),
            "heartbeatTimeout must be >= twice heartbeatInterval (1000 ms) and >= sampleInterval, "
                + "but was 1500 ms"),
        bad(
            b -> b.progressTimeout(Duration.ofMillis(5)),
            "progressTimeout must be >= sampleInterval (250 ms), but was 5 ms"),
        bad(b -> b.healthCheckFailures(0), "healthCheckFailures must be >= 1, but was 0"),
        bad(
            b -> b.maxTasksPerWorker(-1),
            "maxTasksPerWorker must be >= 1 (leave it unset for no limit), but was -1"),
        bad(
            b -> b.maxTasksPerWorker(0),
            "maxTasksPerWorker must be >= 1 (leave it unset for no limit), but was 0"),
        bad(b -> b.recycleJitter(0.9), "recycleJitter must be between 0 and 0.5, but was 0.9"),
        bad(
            b -> b.maxFrameSize(MemorySize.ofBytes(10)),
            "maxFrameSize must be between 1 KiB and 1 GiB, but was 10 B"),
        bad(
            b -> b.restartBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)),
            "restartBackoff must be a positive initial pause no longer than the largest one, but "
                + "was 5000 ms..1000 ms"),
        bad(
            b -> b.startFailureThreshold(0),
            "startFailureThreshold must be between 1 and 100, but was 0"),
        bad(
            b -> b.circuitOpenDuration(Duration.ofMillis(1)),
            "circuitOpenDuration must be between 100 ms and 60 minutes, but was 1 ms"),
        bad(b -> b.retryAttempts(11), "retryAttempts must be between 1 and 10, but was 11"),
        bad(
            b -> b.cancelGrace(Duration.ofMinutes(6)),
            "cancelGrace must be between 0 and 5 minutes, but was 360000 ms"),
        bad(
            b -> b.waitSpin(Duration.ofNanos(1_500_000)),
            "waitSpin must be between 0 and 1 ms, but was 1500 µs"),
        bad(
            b -> b.waitSpin(Duration.ofNanos(-1)),
            "waitSpin must be between 0 and 1 ms, but was -1 ns"),
        bad(
            b -> b.jvmOptions(List.of("-Xss1m", "-Dgreeting=hel\0lo")),
            "jvmOptions must be free of NUL characters, but was '-Dgreeting=hel\\0lo' "
                + "(option 1)"));
  }

  /** Every Duration setting, given more than the pool's arithmetic holds. */
  static Stream<Arguments> durationsTooLarge() {
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
    String was = ", but was 9223372036854775807 s";
    return Stream.of(
        bad(b -> b.blockWhenSaturated(huge), "blockWhenSaturated must be at most 365 days" + was),
        bad(b -> b.taskTimeout(huge), "taskTimeout must be at most 365 days" + was),
        bad(b -> b.heartbeatTimeout(huge), "heartbeatTimeout must be at most 365 days" + was),
        bad(b -> b.progressTimeout(huge), "progressTimeout must be at most 365 days" + was),
        bad(b -> b.healthCheckInterval(huge), "healthCheckInterval must be at most 365 days" + was),
        bad(b -> b.healthCheckTimeout(huge), "healthCheckTimeout must be at most 365 days" + was),
        bad(b -> b.maxWorkerAge(huge), "maxWorkerAge must be at most 365 days" + was),
        bad(b -> b.idleTimeout(huge), "idleTimeout must be at most 365 days" + was),
        bad(b -> b.sampleInterval(huge), "sampleInterval must be between 10 ms and 1 minute" + was),
        bad(
            b -> b.terminationGrace(huge),
            "terminationGrace must be between 0 and 5 minutes" + was),
        bad(b -> b.startTimeout(huge), "startTimeout must be between 250 ms and 10 minutes" + was),
        bad(
            b -> b.heartbeatInterval(huge),
            "heartbeatInterval must be between 10 ms and 1 minute" + was),
        bad(b -> b.cancelGrace(huge), "cancelGrace must be between 0 and 5 minutes" + was),
        bad(b -> b.waitSpin(huge), "waitSpin must be between 0 and 1 ms" + was),
        bad(
            b -> b.circuitOpenDuration(huge),
            "circuitOpenDuration must be between 100 ms and 60 minutes" + was),
        bad(
            b -> b.restartBackoff(huge, Duration.ofSeconds(1)),
            "restartBackoff must be a positive initial pause no longer than the largest one, "
                + "but was 9223372036854775807 s..1000 ms"),
        bad(
            b -> b.restartBackoff(Duration.ofSeconds(1), huge),
            "restartBackoff must be at most 1 hour for the largest pause" + was));
  }

  @ParameterizedTest
  @MethodSource("durationsTooLarge")
  void rejectsADurationTooLargeForThePoolsArithmeticAtBuild(
      Consumer<WorkerPoolBuilder<String, String>> setting, String message) {
    buildRefuses(setting, message);
  }

  @Test
  void rejectsATaskTimeoutTooLargeForThePoolsArithmetic() {
    assertThatThrownBy(() -> TaskOptions.defaults().withTimeout(Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be at most 365 days, but was 9223372036854775807 s");
  }

  @Test
  void refusesAWorkerProgramThatDoesNotExistAtBuild() {
    assertThatThrownBy(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .command(Command.of("/nonexistent/w"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "command must start a program the kernel can run, but program "
                + "'/nonexistent/w' does not exist (working directory "
                + jvmDirectory()
                + ")");
  }

  @Test
  void refusesABareWorkerProgramNamingThePathSearched() {
    assertThatThrownBy(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .command(
                        Command.of("no-such-worker-stockade")
                            .withEnvironment("PATH", "/nonexistent-bin:/also-nonexistent"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "command must start a program the kernel can run, but program "
                + "'no-such-worker-stockade' was not found on PATH=/nonexistent-bin:"
                + "/also-nonexistent (working directory "
                + jvmDirectory()
                + ")");
  }

  @Test
  void refusesAWorkerDirectoryThatDoesNotExistAtBuild() {
    assertThatThrownBy(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .command(Command.of("cat").withDirectory(Path.of("/nonexistent/workdir")))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "command must start a program the kernel can run, but program 'cat' "
                + "cannot start: working directory /nonexistent/workdir does not exist");
  }

  @Test
  void refusesPythonAndNodeWorkersWhoseInterpreterIsNotOnPath(@TempDir Path emptyBin)
      throws Exception {
    // PATH is the JVM's own environment: a JVM started with a PATH that holds neither.
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder child =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                BuildWithoutInterpreters.class.getName(),
                TestProcesses.resource("workers/python/conformance_worker.py"),
                TestProcesses.resource("workers/node/conformance-worker.js"))
            .redirectErrorStream(true);
    child.environment().put("PATH", emptyBin.toString());
    Process process = child.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String where = " (working directory " + jvmDirectory() + ")";
    assertThat(output.lines().filter(l -> l.startsWith("refused: ")).toList())
        .containsExactly(
            "refused: pythonWorker must start a program the kernel can run, but program 'python3' "
                + "was not found on PATH="
                + emptyBin
                + where,
            "refused: nodeWorker must start a program the kernel can run, but program 'node' "
                + "was not found on PATH="
                + emptyBin
                + where);
    assertThat(output).contains("runtime directories left: 0");
  }

  private static Path jvmDirectory() {
    return Path.of("").toAbsolutePath();
  }

  private static Arguments bad(
      Consumer<WorkerPoolBuilder<String, String>> setting, String message) {
    return Arguments.of(setting, message);
  }

  private static WorkerPoolBuilder<String, String> jvm() {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .jvmWorker(ScriptedHandler.class)
        .shutdownHook(false);
  }

  @ParameterizedTest
  @MethodSource("badSettings")
  void rejectsAnOutOfRangeSettingAtBuildNamingIt(
      Consumer<WorkerPoolBuilder<String, String>> setting, String message) {
    buildRefuses(setting, message);
  }

  private static void buildRefuses(
      Consumer<WorkerPoolBuilder<String, String>> setting, String message) {
    WorkerPoolBuilder<String, String> builder = jvm();
    setting.accept(builder);
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void requiresAWorkerKind() {
    assertThatThrownBy(() -> WorkerPool.builder(Codec.utf8(), Codec.utf8()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no worker kind");
  }

  @Test
  void allowsOnlyOneWorkerKind() {
    assertThatThrownBy(() -> jvm().command(Command.of("cat")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("a pool has one kind of worker");
  }

  @Test
  void rejectsAWorkerCommandCarryingItsOwnTimeout() {
    assertThatThrownBy(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .command(Command.of("cat").withTimeout(Duration.ofSeconds(1)))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "command must be without a timeout (set taskTimeout on the pool), but was "
                + "1000 ms");
  }

  @Test
  void rejectsAPythonScriptThatDoesNotExist() {
    Path missing = Path.of("/nonexistent/worker.py");
    assertThatThrownBy(
            () -> WorkerPool.builder(Codec.utf8(), Codec.utf8()).pythonWorker(missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pythonWorker must be an existing file, but was /nonexistent/worker.py");
  }

  /** Not public: the worker JVM could not construct it. */
  static class HiddenHandler implements Handler {
    @Override
    public byte[] handle(byte[] input, TaskContext context) {
      return input;
    }
  }

  @Test
  void rejectsAJvmHandlerTheWorkerCannotConstruct() {
    assertThatThrownBy(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .jvmWorker(HiddenHandler.class)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jvmWorker must be a public")
        .hasMessageContaining("HiddenHandler");
  }

  @Test
  void rejectsATaskTimeoutShorterThanTheSampleInterval() {
    try (WorkerPool<String, String> pool = jvm().build()) {
      assertThatThrownBy(
              () -> pool.submit("x", TaskOptions.defaults().withTimeout(Duration.ofMillis(1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "timeout of task 'task' must be >= the pool's sampleInterval (250 ms), "
                  + "but was 1 ms");
      assertThat(pool.snapshot().workers()).isEmpty(); // nothing was started for it
    }
  }
}
