package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ScriptedHandler;
import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
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
        bad(b -> b.softMemoryLimit(MemorySize.ofGibibytes(2)),
            "softMemoryLimit must be at least one page and below memoryLimit (1.0 GiB), but was "
                + "2.0 GiB"),
        bad(b -> b.heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofMillis(1500)),
            "heartbeatTimeout must be >= twice heartbeatInterval (1000 ms) and >= sampleInterval, "
                + "but was 1500 ms"),
        bad(b -> b.progressTimeout(Duration.ofMillis(5)),
            "progressTimeout must be >= sampleInterval (250 ms), but was 5 ms"),
        bad(b -> b.healthCheckFailures(0), "healthCheckFailures must be >= 1, but was 0"),
        bad(b -> b.maxTasksPerWorker(-1),
            "maxTasksPerWorker must be >= 0 (0: no limit), but was -1"),
        bad(b -> b.recycleJitter(0.9), "recycleJitter must be between 0 and 0.5, but was 0.9"),
        bad(b -> b.maxFrameSize(MemorySize.ofBytes(10)),
            "maxFrameSize must be between 1 KiB and 1 GiB, but was 10 B"),
        bad(b -> b.restartBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)),
            "restartBackoff must be a positive initial pause no longer than the largest one, but "
                + "was 5000 ms..1000 ms"),
        bad(b -> b.startFailureThreshold(0),
            "startFailureThreshold must be between 1 and 100, but was 0"),
        bad(b -> b.circuitOpenDuration(Duration.ofMillis(1)),
            "circuitOpenDuration must be between 100 ms and 60 minutes, but was 1 ms"),
        bad(b -> b.retryAttempts(11), "retryAttempts must be between 1 and 10, but was 11"),
        bad(b -> b.cancelGrace(Duration.ofMinutes(6)),
            "cancelGrace must be between 0 and 5 minutes, but was 360000 ms"));
  }

  private static Arguments bad(Consumer<WorkerPool.Builder<String, String>> setting,
      String message) {
    return Arguments.of(setting, message);
  }

  private static WorkerPool.Builder<String, String> jvm() {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8()).jvmWorker(ScriptedHandler.class)
        .shutdownHook(false);
  }

  @ParameterizedTest
  @MethodSource("badSettings")
  void rejectsAnOutOfRangeSettingAtBuildNamingIt(
      Consumer<WorkerPool.Builder<String, String>> setting, String message) {
    WorkerPool.Builder<String, String> builder = jvm();
    setting.accept(builder);
    assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
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
    assertThatThrownBy(() -> WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .command(Command.of("cat").withTimeout(Duration.ofSeconds(1))).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("command must be without a timeout (set taskTimeout on the pool), but was "
            + "1000 ms");
  }

  @Test
  void rejectsAPythonScriptThatDoesNotExist() {
    Path missing = Path.of("/nonexistent/worker.py");
    assertThatThrownBy(() -> WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .pythonWorker(missing).build())
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
    assertThatThrownBy(() -> WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .jvmWorker(HiddenHandler.class).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jvmWorker must be a public")
        .hasMessageContaining("HiddenHandler");
  }

  @Test
  void rejectsATaskTimeoutShorterThanTheSampleInterval() {
    try (WorkerPool<String, String> pool = jvm().build()) {
      assertThatThrownBy(() -> pool.submit("x",
          TaskOptions.defaults().withTimeout(Duration.ofMillis(1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("timeout of task 'task' must be >= the pool's sampleInterval (250 ms), "
              + "but was 1 ms");
      assertThat(pool.snapshot().workers()).isEmpty(); // nothing was started for it
    }
  }
}
