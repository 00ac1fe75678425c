package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A command's own ending is a result: exit code or signal, output, duration, memory. */
@ExtendWith(NoLeakedProcesses.class)
class CommandResultTest {
  private static CommandResult run(CommandPool pool, Command command) throws Exception {
    return pool.run(command).get(20, TimeUnit.SECONDS);
  }

  private static CommandPool pool() {
    return CommandPool.builder().workers(2).terminationGrace(Duration.ofSeconds(1)).build();
  }

  @Test
  void reportsANonZeroExitCodeAsAResult() throws Exception {
    try (CommandPool pool = pool()) {
      CommandResult r = run(pool, Command.of("sh", "-c", "exit 7"));
      assertThat(r.exitStatus().exitCode()).hasValue(7);
      assertThat(r.exitStatus().signal()).isEmpty();
      assertThat(r.isSuccess()).isFalse();
    }
  }

  @Test
  void reportsADeathBySignalItDidNotSendAsAResult() throws Exception {
    try (CommandPool pool = pool()) {
      CommandResult r = run(pool, Command.of("sh", "-c", "kill -SEGV $$"));
      assertThat(r.exitStatus().signal()).hasValue(11);
      assertThat(r.exitStatus()).hasToString("signal 11 (SIGSEGV)");
    }
  }

  @Test
  void keepsTheTailOfLargeOutputAndCountsEveryByte() throws Exception {
    try (CommandPool pool =
        CommandPool.builder().workers(1).outputLimit(MemorySize.ofKibibytes(1)).build()) {
      CommandResult r =
          run(
              pool,
              Command.of("sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; echo; echo THE-END"));
      assertThat(r.stdout().totalBytes()).isEqualTo(100_000 + 1 + 8);
      assertThat(r.stdout().isTruncated()).isTrue();
      assertThat(r.stdout().bytes()).hasSize(1024);
      assertThat(r.stdout().text()).endsWith("xxx\nTHE-END\n");
    }
  }

  @Test
  void passesEnvironmentAndWorkingDirectory(@TempDir Path dir) throws Exception {
    try (CommandPool pool = pool()) {
      CommandResult r =
          run(
              pool,
              Command.of("sh", "-c", "echo \"$GREETING $(pwd)\"")
                  .withEnvironment("GREETING", "hello")
                  .withDirectory(dir));
      assertThat(r.stdout().text().trim()).isEqualTo("hello " + dir.toRealPath());
    }
  }

  @Test
  void givesEachTreeItsOwnTempDirectoryAndRemovesIt() throws Exception {
    try (CommandPool pool = pool()) {
      CommandResult r =
          run(
              pool,
              Command.of(
                  "sh",
                  "-c",
                  "echo \"$TMPDIR\"; touch \"$TMPDIR/scratch\" && test -f \"$TMPDIR/scratch\""));
      Path tmp = Path.of(r.stdout().text().trim());
      assertThat(r.isSuccess()).isTrue();
      assertThat(tmp.getFileName().toString()).startsWith("stockade-");
      assertThat(Files.exists(tmp)).isFalse();
    }
  }

  @Test
  void endsADaemonTheCommandLeftRunningBeforeCompleting() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool = pool()) {
      CommandResult r =
          run(
              pool,
              Command.of(
                  "sh",
                  "-c",
                  "setsid -f sleep "
                      + marker
                      + "; ( setsid sh -c 'sleep "
                      + marker
                      + "; :' & ); exit 0"));
      assertThat(r.isSuccess()).isTrue();
      assertThat(r.leftoverProcessesEnded()).isGreaterThanOrEqualTo(2);
      assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
    }
  }

  @Test
  void failsWithAStartExceptionNamingAMissingProgram() {
    try (CommandPool pool = pool()) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class, () -> run(pool, Command.of("no-such-program-stockade")));
      assertThat(e.getCause())
          .isInstanceOf(WorkerStartException.class)
          .hasMessageContaining("program 'no-such-program-stockade' was not found");
      assertThat(pool.snapshot().activeWorkers()).isZero();
    }
  }

  @Test
  void failsOnNonZeroExitWhenAskedTo() {
    try (CommandPool pool = CommandPool.builder().workers(1).failOnNonZeroExit(true).build()) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  run(
                      pool,
                      Command.of("sh", "-c", "echo broken >&2; exit 4").withLabel("fragile")));
      assertThat(e.getCause())
          .isInstanceOf(CommandFailedException.class)
          .hasMessageContaining("'fragile'")
          .hasMessageContaining("exit code 4")
          .hasMessageContaining("broken");
      assertThat(((CommandFailedException) e.getCause()).result().exitStatus().exitCode())
          .hasValue(4);
    }
  }

  @Test
  void appliesAPerCommandTimeoutOverThePoolTimeout() {
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .taskTimeout(Duration.ofMinutes(5))
            .terminationGrace(Duration.ZERO)
            .build()) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> run(pool, Command.of("sleep", "30").withTimeout(Duration.ofMillis(500))));
      assertThat(e.getCause()).isInstanceOf(TaskTimeoutException.class);
      assertThat(((TaskTimeoutException) e.getCause()).timeout()).isEqualTo(Duration.ofMillis(500));
    }
  }

  @Test
  void measuresTheDurationAndPeakOfTheTree() throws Exception {
    try (CommandPool pool =
        CommandPool.builder().workers(1).sampleInterval(Duration.ofMillis(20)).build()) {
      CommandResult r = run(pool, Command.of("sh", "-c", "sleep 0.5 & sleep 0.5 & wait"));
      assertThat(r.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(500));
      assertThat(r.peakProcessCount()).isEqualTo(3);
      assertThat(r.peakMemory()).isGreaterThan(MemorySize.ZERO);
    }
  }
}
