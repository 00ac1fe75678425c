package dev.stockade.internal.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The future a caller holds for a task: cancelling it tells the pool (which removes a queued
 * task or ends a running one). Its dependent stages are plain futures, so cancelling a
 * {@code thenApply} stage ends nothing.
 *
 * <p>Optionally, a caller blocking in {@code get} or {@code join} spins for a bounded time
 * before it parks. A warm persistent worker answers in less time than a park and unpark cost on
 * a virtual CPU that went idle, so a short spin removes the most expensive wake-up of a round
 * trip; a longer task costs the caller that bound of CPU once per wait. No spinning happens on a
 * machine with one processor, where it would only delay the thread it waits for.
 */
public final class CancelHookedFuture<T> extends CompletableFuture<T> {
  /** Called once, after the future was cancelled. */
  @FunctionalInterface
  public interface Hook {
    void cancelled(boolean mayInterruptIfRunning);
  }

  private static final boolean MULTIPROCESSOR = Runtime.getRuntime().availableProcessors() > 1;

  private final Hook hook;
  private final long spinNanos;
  private final AtomicBoolean hookCalled = new AtomicBoolean();

  /** A future whose waiters park at once. */
  public CancelHookedFuture(Hook hook) {
    this(hook, 0);
  }

  /** A future whose waiters spin up to {@code spinNanos} before they park. */
  public CancelHookedFuture(Hook hook, long spinNanos) {
    this.hook = hook;
    this.spinNanos = MULTIPROCESSOR ? Math.max(0, spinNanos) : 0;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    // cancel() answers true again on a future already cancelled; the pool hears of it once.
    if (cancelled && hookCalled.compareAndSet(false, true)) {
      hook.cancelled(mayInterruptIfRunning);
    }
    return cancelled;
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    spinUpTo(spinNanos);
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    long start = System.nanoTime();
    long budget = unit.toNanos(timeout);
    spinUpTo(Math.min(spinNanos, budget));
    return super.get(Math.max(0, budget - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
  }

  @Override
  public T join() {
    spinUpTo(spinNanos);
    return super.join();
  }

  private void spinUpTo(long nanos) {
    if (nanos <= 0 || isDone()) {
      return;
    }
    long deadline = System.nanoTime() + nanos;
    while (!isDone() && System.nanoTime() - deadline < 0) {
      Thread.onSpinWait();
    }
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }
}
