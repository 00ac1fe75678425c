package dev.stockade.worker;

/**
 * The work of a JVM worker: one call per task, on the worker's task thread, one task at a time. A
 * pool starts the worker with {@code WorkerPool.builder(...).jvmWorker(MyHandler.class)}; the class
 * needs a public no-argument constructor, and one instance serves every task of its worker process,
 * so it may keep state between tasks (a warm cache, an open browser).
 *
 * <p>What {@link #handle} returns is sent back as the task's result; what it throws is sent back as
 * an error, failing only that task with {@code TaskFailedException}. {@code System.out} is safe to
 * use: it goes to the worker's stderr, which the pool logs.
 */
@FunctionalInterface
public interface Handler {
  /**
   * Runs one task.
   *
   * @param input the task's payload, as the pool's input codec encoded it
   * @param context the task's id, progress reporting and cancellation
   * @return the result's payload, which the pool's output codec decodes
   * @throws Exception to fail the task; an {@link InterruptedException} after a cancel is reported
   *     as a cancellation
   */
  byte[] handle(byte[] input, TaskContext context) throws Exception;
}
