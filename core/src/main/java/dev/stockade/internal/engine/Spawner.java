package dev.stockade.internal.engine;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Starts every process of a pool from one long-lived thread. A parent-death signal fires when the
 * thread that spawned a process exits, not the whole JVM, so workers must never be spawned from
 * short-lived threads.
 */
public final class Spawner implements AutoCloseable {
  private final ExecutorService thread;
  private volatile Thread spawnerThread;

  public Spawner(String poolName) {
    ThreadFactory factory = DaemonThreads.named("stockade-" + poolName + "-spawner");
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = factory.newThread(r);
              spawnerThread = t;
              return t;
            });
  }

  /** True on the spawner thread itself. */
  public boolean isCurrentThread() {
    return Thread.currentThread() == spawnerThread;
  }

  public void execute(Runnable start) {
    thread.execute(start);
  }

  @Override
  public void close() {
    thread.shutdown();
    if (isCurrentThread()) {
      return; // cannot wait for itself; it ends after the current start
    }
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
