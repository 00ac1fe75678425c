package dev.stockade.benchmarks;

import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;

/**
 * The JVM worker of the worker benchmarks: answers each task with its own payload, so what is
 * measured is the pool and the protocol, not the work. Not a benchmark.
 */
public final class EchoHandler implements Handler {
  @Override
  public byte[] handle(byte[] input, TaskContext context) {
    return input;
  }
}
