package dev.stockade.benchmarks;

import dev.stockade.internal.lifeline.LeftoverSweep;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the start-up sweep costs a pool's build when a killed run left nothing: one {@code /proc}
 * scan with every process's environment read, and a look for temporary directories of the pool's
 * name. Its cost grows with the number of processes on the machine, which {@code run.json} records.
 * Starts no process and ends none (no process carries this pool's name).
 *
 * <p>Target: none (for the record).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LeftoverSweepBenchmark {
  /** A pool name no process or directory carries. */
  private static final String POOL = "bench-sweep-nothing";

  @Benchmark
  public LeftoverSweep.Report nothingLeft() {
    LeftoverSweep.Report report = LeftoverSweep.sweep(POOL, Optional.empty());
    if (!report.isEmpty()) {
      throw new IllegalStateException("the sweep found something of " + POOL + ": " + report);
    }
    return report;
  }
}
