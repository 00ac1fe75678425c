package dev.stockade.internal.engine;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Factories of the library's threads: daemons, so that a pool the application forgot to close never
 * keeps its JVM alive (the shutdown hook and the lifeline end its trees), each named for its pool
 * and its job, so a thread dump says whose it is.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Daemon threads all named {@code name}: for an executor of one thread. */
  public static ThreadFactory named(String name) {
    return task -> daemon(task, name);
  }

  /** Daemon threads named {@code prefix} followed by 0, 1, 2, … in the order they are made. */
  public static ThreadFactory numbered(String prefix) {
    AtomicLong next = new AtomicLong();
    return task -> daemon(task, prefix + next.getAndIncrement());
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }
}
