package dev.stockade.spring;

import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;

/** A JVM worker's handler that answers with what it was given. */
public final class Echo implements Handler {
  /** The handler; the worker JVM creates it. */
  public Echo() {}

  @Override
  public byte[] handle(byte[] input, TaskContext context) {
    return input;
  }
}
