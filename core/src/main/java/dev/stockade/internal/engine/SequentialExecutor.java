package dev.stockade.internal.engine;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs its tasks one at a time, in the order they were given, on the threads of another executor:
 * the pool listener's events reach it in order whatever thread fires them, and no thread of the
 * delegate is held while nothing waits. A task that throws an exception is logged, and the next one
 * runs; one that throws an {@link Error} ends its drainer, and the tasks behind it run with the
 * next task given.
 *
 * <p>One drainer at most is submitted to the delegate at a time; it runs the tasks queued until
 * none is left. If the delegate refuses the drainer, the task that asked for it is withdrawn and
 * the refusal thrown to its caller; tasks queued meanwhile by others run with the next task that is
 * accepted.
 */
final class SequentialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SequentialExecutor.class);

  private final Executor delegate;
  private final Deque<Runnable> queue = new ArrayDeque<>();

  /** Guarded by {@link #queue}: whether a drainer was submitted and has not finished. */
  private boolean draining;

  SequentialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (queue) {
      queue.add(task);
      if (draining) {
        return;
      }
      draining = true;
    }
    try {
      delegate.execute(this::drain);
    } catch (RuntimeException | Error e) {
      synchronized (queue) {
        draining = false;
        queue.removeLastOccurrence(task);
      }
      throw e;
    }
  }

  private void drain() {
    boolean emptied = false;
    try {
      while (true) {
        Runnable next;
        synchronized (queue) {
          next = queue.poll();
          if (next == null) {
            draining = false;
            emptied = true;
            return;
          }
        }
        try {
          next.run();
        } catch (RuntimeException e) {
          log.error("a task of a sequential executor threw; the next one runs", e);
        }
      }
    } finally {
      if (!emptied) {
        // An Error left a task: the next task given starts a new drainer for what is queued.
        synchronized (queue) {
          draining = false;
        }
      }
    }
  }
}
