package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same start failure is the same typed error in every containment mode (cgroups, chosen by AUTO
 * here, and NONE) and with every launcher ({@code posix_spawn} here; the {@code jdk-launcher}
 * execution runs this class again through the JDK behind {@code setsid}): no shell prelude or
 * {@code execvp} turns a bad program into an exit code, or runs a text file as a shell script. Each
 * broken program would leave a marker file if anything ran it.
 */
@ExtendWith(NoLeakedProcesses.class)
class StartFailureTest {
  @TempDir Path dir;
  private Path program;
  private Path workDir;
  private Path marker;

  /** What is wrong with the program, and how the failure says it. */
  enum Fault {
    NOT_FOUND("does not exist"),
    NOT_EXECUTABLE("is not executable (mode rw-r--r--)"),
    MISSING_INTERPRETER(
        "names in its #! line the interpreter /nonexistent/interpreter, which does not exist"),
    TEXT_WITHOUT_SHEBANG("is not a program the kernel can start (no ELF header, no #! line)"),
    RANDOM_BYTES("is not a program the kernel can start (no ELF header, no #! line)"),
    MISSING_DIRECTORY("does not exist");

    final String reason;

    Fault(String reason) {
      this.reason = reason;
    }

    /** Breaks the good program (or its directory) this way. */
    void inflict(Path program, Path workDir, Path marker) throws IOException {
      switch (this) {
        case NOT_FOUND -> Files.delete(program);
        case NOT_EXECUTABLE ->
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rw-r--r--"));
        case MISSING_INTERPRETER ->
            Files.writeString(program, "#!/nonexistent/interpreter\ntouch '" + marker + "'\n");
        case TEXT_WITHOUT_SHEBANG -> Files.writeString(program, "touch '" + marker + "'\n");
        case RANDOM_BYTES -> {
          byte[] bytes = new byte[512];
          ThreadLocalRandom.current().nextBytes(bytes);
          bytes[0] = 1; // neither 0x7f ('\177ELF') nor '#' ('#!')
          Files.write(program, bytes);
        }
        case MISSING_DIRECTORY -> Files.delete(workDir);
        default -> throw new AssertionError(this);
      }
    }

    /** The message's account of it: the program, the reason, the directory. */
    String message(Path program, Path workDir) {
      if (this == MISSING_DIRECTORY) {
        return "program '"
            + program
            + "' cannot start: working directory "
            + workDir
            + " "
            + reason;
      }
      return "program '" + program + "' " + reason + " (working directory " + workDir + ")";
    }
  }

  static Stream<Arguments> faultsInEveryMode() {
    return Stream.of(CgroupMode.AUTO, CgroupMode.NONE)
        .flatMap(mode -> Arrays.stream(Fault.values()).map(fault -> Arguments.of(mode, fault)));
  }

  @BeforeEach
  void goodProgram() throws IOException {
    workDir = Files.createDirectory(dir.resolve("work"));
    marker = dir.resolve("ran");
    program = dir.resolve("prog");
    // Good until broken: a WorkerPool's build() checks it; as a worker it would serve echo.
    Files.writeString(program, "#!/bin/sh\ntouch '" + marker + "'\nexec cat\n");
    Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private Command command() {
    return Command.of(program.toString()).withDirectory(workDir);
  }

  @ParameterizedTest(name = "{1} under {0}")
  @MethodSource("faultsInEveryMode")
  void commandPoolFailsTheTaskWithAStartExceptionNamingProgramDirectoryAndReason(
      CgroupMode mode, Fault fault) throws Exception {
    try (CommandPool pool =
        CommandPool.builder()
            .name("start-failure")
            .cgroupMode(mode)
            .workers(1)
            .shutdownHook(false)
            .build()) {
      fault.inflict(program, workDir, marker);
      ExecutionException e =
          assertThrows(
              ExecutionException.class, () -> pool.run(command()).get(20, TimeUnit.SECONDS));
      assertThat(e.getCause())
          .isInstanceOf(WorkerStartException.class)
          .hasMessageEndingWith(": " + fault.message(program, workDir));
      assertThat(e.getCause().getCause())
          .isInstanceOf(IOException.class)
          .hasMessage(fault.message(program, workDir));
      assertThat(pool.snapshot().activeWorkers()).isZero();
      assertThat(TestProcesses.poolCgroupsOf(ProcessHandle.current().pid()))
          .as("no cgroup of the pool is left behind")
          .noneMatch(p -> p.getFileName().toString().startsWith("start-failure@"));
    }
    assertThat(marker).as("nothing ran the broken program").doesNotExist();
  }

  @ParameterizedTest(name = "{1} under {0}")
  @MethodSource("faultsInEveryMode")
  void workerPoolReportsTheSameStartFailureForAProgramBrokenAfterBuild(CgroupMode mode, Fault fault)
      throws Exception {
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .command(command())
            .cgroupMode(mode)
            .workers(1)
            .startFailureThreshold(1)
            .circuitOpenDuration(Duration.ofMinutes(1))
            .shutdownHook(false)
            .build()) {
      fault.inflict(program, workDir, marker);
      assertThatThrownBy(() -> pool.submit("x").get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .satisfies(e -> assertThat(messagesOf(e)).contains(fault.message(program, workDir)));
      assertThat(pool.snapshot().workers()).isEmpty();
    }
    assertThat(marker).as("nothing ran the broken program").doesNotExist();
  }

  /** Every message along the cause chain, for a failure whose wrapping may change. */
  private static String messagesOf(Throwable failure) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    return all.toString();
  }
}
