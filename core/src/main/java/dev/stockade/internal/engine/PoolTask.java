package dev.stockade.internal.engine;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A task as the engine sees it, whichever pool runs it: its label, the future its caller holds,
 * and its one start and one end as the listener hears them, however many attempts it takes.
 *
 * @param <V> what its future completes with
 */
public abstract class PoolTask<V> {
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();

  /** Names the task in logs, events and messages. */
  public abstract String label();

  /** The future its caller holds. */
  public abstract TaskFuture<V> future();

  /** True the first time only: the task's one start. */
  public final boolean markStarted() {
    return started.compareAndSet(false, true);
  }

  /** True the first time only: the task's one end; {@link #letGo()} runs then. */
  public final boolean markEnded() {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    letGo();
    return true;
  }

  /** Drops what only a running task needs, so a caller who keeps the future keeps no more. */
  protected void letGo() {}
}
