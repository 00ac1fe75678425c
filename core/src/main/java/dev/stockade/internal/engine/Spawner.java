package dev.stockade.internal.engine;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Starts every process of a pool from one long-lived thread. A parent-death signal fires when
 * the thread that spawned a process exits, not the whole JVM, so workers must never be spawned
 * from short-lived threads.
 */
public final class Spawner implements AutoCloseable {
  private final ExecutorService thread;

  public Spawner(String poolName) {
    this.thread = Executors.newSingleThreadExecutor(
        new ThreadFactoryBuilder().setNameFormat("stockade-" + poolName + "-spawner")
            .setDaemon(true).build());
  }

  public void execute(Runnable start) {
    thread.execute(start);
  }

  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
