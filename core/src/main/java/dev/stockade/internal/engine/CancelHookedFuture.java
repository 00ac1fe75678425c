package dev.stockade.internal.engine;

import java.util.concurrent.CompletableFuture;

/**
 * The future a caller holds for a task: cancelling it tells the pool (which removes a queued
 * task or ends a running one). Its dependent stages are plain futures, so cancelling a
 * {@code thenApply} stage ends nothing.
 */
public final class CancelHookedFuture<T> extends CompletableFuture<T> {
  /** Called once, after the future was cancelled. */
  @FunctionalInterface
  public interface Hook {
    void cancelled(boolean mayInterruptIfRunning);
  }

  private final Hook hook;

  public CancelHookedFuture(Hook hook) {
    this.hook = hook;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      hook.cancelled(mayInterruptIfRunning);
    }
    return cancelled;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }
}
