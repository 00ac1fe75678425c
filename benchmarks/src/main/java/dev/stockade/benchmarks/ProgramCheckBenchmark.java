package dev.stockade.benchmarks;

import dev.stockade.internal.launch.ProgramCheck;
import dev.stockade.internal.launch.ProgramStartException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What checking a program before its start costs a task: {@code ProgramCheck.verify} of an ELF
 * binary given by name (looked up on a {@code PATH}) and of a {@code #!} script given by path,
 * whose interpreter is checked too. A few {@code stat}s and one read of 256 bytes each; compared in
 * the README with a whole run-and-reap ({@link RunAndReapBenchmark}). Starts no process.
 *
 * <p>Target: none (for the record).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ProgramCheckBenchmark {
  private Path directory;
  private Path script;

  @Setup(Level.Trial)
  public void writeScript() throws IOException {
    directory = Files.createTempDirectory("stockade-bench-check-");
    script = directory.resolve("task.sh");
    Files.writeString(script, "#!/bin/sh\nexit 0\n", StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @TearDown(Level.Trial)
  public void removeScript() throws IOException {
    Files.deleteIfExists(script);
    Files.deleteIfExists(directory);
  }

  /** {@code true}, found on a PATH of three directories. */
  @Benchmark
  public Path elfOnPath() throws ProgramStartException {
    return ProgramCheck.verify("true", "/usr/local/bin:/usr/bin:/bin", null);
  }

  /** A shell script by its path: the script's head, then its interpreter's. */
  @Benchmark
  public Path scriptWithInterpreter() throws ProgramStartException {
    return ProgramCheck.verify(script.toString(), "/usr/bin:/bin", null);
  }
}
