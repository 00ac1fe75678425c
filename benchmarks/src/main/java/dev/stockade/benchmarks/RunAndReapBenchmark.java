package dev.stockade.benchmarks;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandResult;
import java.io.File;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
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
 * What a {@link CommandPool} adds to running one short command: the average time to run {@code
 * /bin/true} to completion and reap it, measured two ways in one run.
 *
 * <ul>
 *   <li>{@link #bare}: {@code new ProcessBuilder("/bin/true").start().waitFor()}, stdin from {@code
 *       /dev/null}, stdout and stderr discarded — the least the JDK can do.
 *   <li>{@link #pool}: {@code pool.run(Command.of("/bin/true")).get()} through a pool of one worker
 *       built once per trial. This includes everything the pool does per task: the {@code
 *       posix_spawn} into a new session (or, with {@code -Ddev.stockade.launcher=jdk}, the JDK
 *       behind a {@code setsid} exec), the task's temporary directory, the two output-draining
 *       pipes, the exit notification, the teardown's {@code /proc} scans proving nothing is left,
 *       and completing the future.
 * </ul>
 *
 * <p>One thread, so one core does the measuring; the child processes run on whichever core is free
 * (two on the reference box). The JDK's default launch mechanism is left as is ({@code POSIX_SPAWN}
 * on Linux for JDK 17, through {@code jspawnhelper}); no {@code -Djdk.lang.Process.launchMechanism}
 * is set.
 *
 * <p>Target: {@code pool} at most 1.3 times {@code bare}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RunAndReapBenchmark {
  private static final File DEV_NULL = new File("/dev/null");

  private CommandPool pool;
  private Command command;

  @Setup(Level.Trial)
  public void startPool() {
    pool = CommandPool.builder().name("bench-run-and-reap").workers(1).shutdownHook(false).build();
    command = Command.of("/bin/true");
  }

  @TearDown(Level.Trial)
  public void closePool() {
    pool.close();
  }

  /** The JDK alone: start {@code /bin/true}, wait for it, reap it. */
  @Benchmark
  public int bare() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("/bin/true")
            .redirectInput(DEV_NULL)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    int exit = p.waitFor();
    if (exit != 0) {
      throw new IllegalStateException("/bin/true exited with " + exit);
    }
    return exit;
  }

  /** The same program as a pool task, to a completed future. */
  @Benchmark
  public CommandResult pool() throws InterruptedException, ExecutionException {
    CommandResult result = pool.run(command).get();
    if (!result.isSuccess()) {
      throw new IllegalStateException("/bin/true in the pool: " + result);
    }
    return result;
  }
}
