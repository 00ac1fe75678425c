package dev.stockade.benchmarks;

/**
 * The least a JVM child can do: print one line and exit. {@link JvmWorkerColdStartBenchmark} starts
 * it with the same {@code java} and class path as a JVM worker, to compare a worker's cold start
 * against the JVM's own. Not a benchmark.
 */
public final class MinimalJvmChild {
  private MinimalJvmChild() {}

  public static void main(String[] args) {
    System.out.println("ok");
  }
}
