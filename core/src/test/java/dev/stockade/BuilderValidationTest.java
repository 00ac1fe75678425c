package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every setting is checked at build(), with "<setting> must be <constraint>, but was <value>". */
@ExtendWith(NoLeakedProcesses.class)
class BuilderValidationTest {
  static Stream<Arguments> badSettings() {
    return Stream.of(
        bad(b -> b.workers(0), "workers must be between 1 and 4096, but was 0"),
        bad(b -> b.workers(-3), "workers must be between 1 and 4096, but was -3"),
        bad(b -> b.workers(4097), "workers must be between 1 and 4096, but was 4097"),
        bad(b -> b.queueCapacity(-1), "queueCapacity must be >= 0, but was -1"),
        bad(
            b -> b.taskTimeout(Duration.ofMillis(100)),
            "taskTimeout must be >= sampleInterval (250 ms), but was 100 ms"),
        bad(
            b -> b.sampleInterval(Duration.ofSeconds(2)).taskTimeout(Duration.ofSeconds(1)),
            "taskTimeout must be >= sampleInterval (2000 ms), but was 1000 ms"),
        bad(
            b -> b.sampleInterval(Duration.ofMillis(1)),
            "sampleInterval must be between 10 ms and 1 minute, but was 1 ms"),
        bad(
            b -> b.memoryLimit(MemorySize.ofBytes(100)),
            "memoryLimit must be >= one page (4096 bytes), but was 100 B"),
        bad(
            b -> b.terminationGrace(Duration.ofSeconds(-1)),
            "terminationGrace must be between 0 and 5 minutes, but was -1000 ms"),
        bad(
            b -> b.outputLimit(MemorySize.ofMebibytes(65)),
            "outputLimit must be <= 64 MiB, but was 65.0 MiB"),
        bad(
            b -> b.blockWhenSaturated(Duration.ZERO),
            "blockWhenSaturated must be a positive duration, but was 0 ms"),
        bad(
            b -> b.name("has space"),
            "name must be 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or "
                + "digit, but was has space"),
        bad(
            b -> b.taskTimeout(Duration.ofSeconds(Long.MAX_VALUE)),
            "taskTimeout must be at most 365 days, but was 9223372036854775807 s"),
        bad(
            b -> b.taskTimeout(Duration.ofDays(366)),
            "taskTimeout must be at most 365 days, but was 31622400000 ms"),
        bad(
            b -> b.blockWhenSaturated(Duration.ofSeconds(Long.MAX_VALUE)),
            "blockWhenSaturated must be at most 365 days, but was 9223372036854775807 s"),
        bad(
            b -> b.sampleInterval(Duration.ofSeconds(Long.MAX_VALUE)),
            "sampleInterval must be between 10 ms and 1 minute, but was 9223372036854775807 s"),
        bad(
            b -> b.terminationGrace(Duration.ofSeconds(Long.MAX_VALUE)),
            "terminationGrace must be between 0 and 5 minutes, but was 9223372036854775807 s"));
  }

  private static Arguments bad(Consumer<CommandPoolBuilder> setting, String message) {
    return Arguments.of(setting, message);
  }

  @ParameterizedTest
  @MethodSource("badSettings")
  void rejectsAnOutOfRangeSettingAtBuildNamingIt(
      Consumer<CommandPoolBuilder> setting, String message) {
    CommandPoolBuilder builder = CommandPool.builder();
    setting.accept(builder);
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void rejectsASettingSetTwice() {
    assertThatThrownBy(() -> CommandPool.builder().workers(2).workers(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("workers was already set to 2");
  }

  @Test
  void rejectsANegativeMemorySize() {
    assertThatThrownBy(() -> MemorySize.ofMebibytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("memory size must be >= 0 MiB, but was -1");
  }

  @Test
  void rejectsAnEmptyCommand() {
    assertThatThrownBy(() -> Command.of())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "command must be a non-empty list whose first element names a program, "
                + "but was []");
  }

  @Test
  void rejectsACommandTimeoutShorterThanTheSampleIntervalWhenSubmitted() {
    try (CommandPool pool = CommandPool.builder().workers(1).build()) {
      assertThatThrownBy(() -> pool.run(Command.of("true").withTimeout(Duration.ofMillis(50))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "timeout of command 'true' must be >= the pool's sampleInterval (250 ms), "
                  + "but was 50 ms");
      assertThatThrownBy(() -> pool.run(Command.of("true").withMemoryLimit(MemorySize.ofBytes(1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "memoryLimit of command 'true' must be >= one page (4096 bytes), but was 1 B");
    }
  }

  @Test
  void runsATaskUnderATimeoutOfExactly365Days() throws Exception {
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .shutdownHook(false)
            .taskTimeout(Duration.ofDays(365))
            .build()) {
      assertThat(pool.run(Command.of("true")).get(20, TimeUnit.SECONDS).exitStatus())
          .isEqualTo(ExitStatus.exited(0));
    }
  }

  @Test
  void rejectsACommandTimeoutTooLargeForThePoolsArithmetic() {
    assertThatThrownBy(() -> Command.of("true").withTimeout(Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be at most 365 days, but was 9223372036854775807 s");
  }

  @Test
  void rejectsANulInsideAnArgumentNamingItsIndex() {
    assertThatThrownBy(() -> Command.of("printf", "%s", "before\0after"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "command arguments must not contain NUL, but argument 2 was " + "'before\\0after'");
  }

  @Test
  void rejectsANulInsideAnEnvironmentVariableNameOrValue() {
    assertThatThrownBy(() -> Command.of("true").withEnvironment("GREE\0TING", "hello"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "environment variable name must be non-empty without '=' or NUL, but was "
                + "'GREE\\0TING'");
    assertThatThrownBy(() -> Command.of("true").withEnvironment("GREETING", "hel\0lo"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "environment variable value must not contain NUL, but the value of "
                + "GREETING was 'hel\\0lo'");
  }

  @Test
  void rejectsOverridingTheTagVariable() {
    assertThatThrownBy(() -> Command.of("true").withEnvironment("STOCKADE_TAG", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("environment variable name must not be STOCKADE_TAG");
  }

  @Test
  void refusesACgroupModeSystemPropertyThatNamesNoMode() {
    String before = System.getProperty("stockade.cgroupMode");
    System.setProperty("stockade.cgroupMode", "v3");
    try {
      assertThatThrownBy(() -> CommandPool.builder().build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "system property stockade.cgroupMode must be one of [AUTO, V2, V1, NONE],"
                  + " but was v3");
    } finally {
      if (before == null) {
        System.clearProperty("stockade.cgroupMode");
      } else {
        System.setProperty("stockade.cgroupMode", before);
      }
    }
  }

  @Test
  void refusesACgroupModeSetTwice() {
    assertThatThrownBy(
            () -> CommandPool.builder().cgroupMode(CgroupMode.NONE).cgroupMode(CgroupMode.AUTO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cgroupMode was already set to NONE");
  }
}
