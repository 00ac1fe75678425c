package dev.stockade.examples;

import dev.stockade.Codec;
import dev.stockade.MemorySize;
import dev.stockade.WorkerPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The job of {@code examples/python/mp_primes.py} — count the primes below 400,000 in 40 chunks on
 * two processes — through a {@link WorkerPool} of Python workers ({@code
 * examples/python/stockade_primes.py}) instead of {@code multiprocessing.Pool}.
 *
 * <p>Run from the repository root: {@code mvn -q -pl examples -am -DskipTests package exec:java
 * -Dexec.mainClass=dev.stockade.examples.PythonPrimes}
 */
public final class PythonPrimes {
  private PythonPrimes() {}

  public static void main(String[] args) throws Exception {
    Path script = Path.of(args.length > 0 ? args[0] : "examples/python/stockade_primes.py");
    long started = System.nanoTime();
    long total = countPrimes(script);
    System.out.printf(
        "%d primes below 400000 (%d ms)%n", total, (System.nanoTime() - started) / 1_000_000);
  }

  /** Counts the primes below 400,000 with two Python workers running {@code script}. */
  public static long countPrimes(Path script) throws Exception {
    // README: begin
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .pythonWorker(script)
            .workers(2)
            .memoryLimit(MemorySize.ofMebibytes(256))
            .taskTimeout(Duration.ofMinutes(1))
            .build()) {
      List<String> ranges = new ArrayList<>();
      for (int low = 0; low < 400_000; low += 10_000) {
        ranges.add(low + "," + (low + 10_000));
      }
      long total = 0;
      for (String count : pool.map(ranges)) {
        total += Long.parseLong(count);
      }
      return total;
    }
    // README: end
  }
}
