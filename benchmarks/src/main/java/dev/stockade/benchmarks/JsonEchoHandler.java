package dev.stockade.benchmarks;

import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.util.Map;

/**
 * The JVM worker of the JSON benchmark: parses each task's JSON object into a {@code Map} and
 * writes it back, as a {@code multiprocessing} worker unpickles its argument into a {@code dict}
 * and pickles its result. Not a benchmark.
 */
public final class JsonEchoHandler implements Handler {
  @Override
  public byte[] handle(byte[] input, TaskContext context) throws Exception {
    Map<String, Object> object = JsonPayload.CODEC.decode(input);
    return JsonPayload.CODEC.encode(object);
  }
}
