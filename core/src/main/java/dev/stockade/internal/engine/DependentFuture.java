package dev.stockade.internal.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A stage that depends, directly or through other stages, on a {@link TaskFuture}: a caller that
 * waits on it first helps the task's future as a caller of {@code get} would (see {@link
 * TaskFuture#helpBeforeWaiting}), so {@code submit(x).thenApply(f).join()} costs no more hand-offs
 * than {@code submit(x).join()}. Otherwise it is a plain {@code CompletableFuture}.
 *
 * @param <T> its value's type
 */
final class DependentFuture<T> extends CompletableFuture<T> {
  private final TaskFuture<?> root;

  DependentFuture(TaskFuture<?> root) {
    this.root = root;
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    root.helpBeforeWaiting(this);
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    root.helpBeforeWaiting(this);
    return super.get(timeout, unit);
  }

  @Override
  public T join() {
    root.helpBeforeWaiting(this);
    return super.join();
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new DependentFuture<>(root);
  }
}
