package dev.stockade.internal.engine;

import dev.stockade.MdcKeys;
import org.slf4j.MDC;

/**
 * The {@link MdcKeys} of one stretch of the library's work on the current thread: set when made,
 * and the thread's previous values put back by {@link #close()}, so that work done on a caller's
 * thread leaves the caller's context as it found it. A value given as null is absent for the
 * stretch, so an outer context's task is never shown on a line about another.
 *
 * <p>Use one per stretch, in a try-with-resources block, on the thread that made it.
 */
public final class LogContext implements AutoCloseable {
  private static final String[] KEYS = {MdcKeys.POOL, MdcKeys.WORKER, MdcKeys.TASK, MdcKeys.LABEL};

  private final String[] previous = new String[KEYS.length];

  private LogContext(String... values) {
    for (int i = 0; i < KEYS.length; i++) {
      previous[i] = MDC.get(KEYS[i]);
      put(KEYS[i], values[i]);
    }
  }

  /** A line about the pool as a whole. */
  public static LogContext pool(String pool) {
    return new LogContext(pool, null, null, null);
  }

  /** A line about one worker or tree, and the task it runs if {@code task} is not null. */
  public static LogContext tree(String pool, String worker, PoolTask<?> task) {
    return task == null
        ? new LogContext(pool, worker, null, null)
        : task(pool, worker, task.id(), task.label());
  }

  /** A line about a task, on the worker or tree {@code worker} if it is not null. */
  public static LogContext task(String pool, String worker, long taskId, String label) {
    return new LogContext(pool, worker, Long.toString(taskId), label);
  }

  private static void put(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < KEYS.length; i++) {
      put(KEYS[i], previous[i]);
    }
  }
}
