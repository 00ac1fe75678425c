package dev.stockade.internal.engine;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The future a caller holds for a task. Three promises beyond {@link CompletableFuture}'s:
 *
 * <ul>
 *   <li><b>No caller code on the pool's threads.</b> The pool settles a task on the thread that
 *       read its answer or ended its tree; a dependent stage ({@code thenApply}, {@code
 *       whenComplete}, a relay of {@code allOf}, another future's {@code thenCombine}…) run there
 *       could stall that reader. So settling only records the outcome and wakes threads blocked in
 *       {@code get}/{@code join}; the outcome is then published to this future's dependents by a
 *       caller's thread — one that was waiting in {@code get} or {@code join}, on its way out, or
 *       the one that cancelled — or, when no caller waits, on the pool's callback executor. A stage
 *       added after publication runs on the caller's thread, as {@code CompletableFuture} does.
 *       {@code isDone}, {@code get}, {@code join} and {@code getNow} see the outcome from the
 *       moment it is settled. A caller that waits, the usual way to use a task's result, thus costs
 *       no hand-off to another thread.
 *   <li><b>Cancelling tells the pool once</b>, which removes a queued task or stops a running one.
 *       The future itself is cancelled at once, as the {@code Future} contract requires.
 *   <li><b>A settled future holds no task state</b>: the cancel hook, and through it the task's
 *       input and worker, is dropped when the outcome is known.
 * </ul>
 *
 * <p>Optionally, a caller blocking in {@code get} or {@code join} spins for a bounded time before
 * it parks. A warm persistent worker answers in less time than a park and unpark cost on a virtual
 * CPU that went idle, so a short spin removes the most expensive wake-up of a round trip; a longer
 * task costs the caller that bound of CPU once per wait. No spinning happens on a machine with one
 * processor, where it would only delay the thread it waits for. While it spins, the caller may do
 * the pool's work that settles the future (a worker pool's caller reads its worker's answer
 * itself), which saves the hand-off from the pool's reader thread too.
 */
public final class TaskFuture<T> extends CompletableFuture<T> {
  /** Called once, after the future was cancelled. */
  @FunctionalInterface
  public interface Hook {
    void cancelled(boolean mayInterruptIfRunning);
  }

  /**
   * Told the outcome once, on the thread that settles the future, before any caller can see it: for
   * the pool's own bookkeeping, which must be quick and must not throw.
   */
  @FunctionalInterface
  public interface Settling {
    /**
     * @param failure what the future fails with (a {@link CancellationException} when cancelled),
     *     or null for a value
     */
    void settling(Throwable failure);
  }

  private static final boolean MULTIPROCESSOR = Runtime.getRuntime().availableProcessors() > 1;

  /**
   * The outcome as soon as it is known, and what waiters block on. It has no dependents but the
   * waiting threads themselves, so completing it runs no caller code on any thread.
   */
  private final CompletableFuture<T> settled = new CompletableFuture<>();

  private final Executor callbacks;
  private final long spinNanos;

  /** The help a caller about to spin may give; null, or a null help, to only spin. */
  private final Supplier<SpinHelp> spinHelp;

  private volatile Hook hook;

  /**
   * Told the outcome before it is visible; null for none, and once told (a settled future keeps
   * nothing of its task).
   */
  private volatile Settling settling;

  /**
   * Which way the future is being settled: {@link #OPEN} until the first of complete,
   * completeExceptionally and cancel claims it, so {@link #settling} hears exactly one outcome, and
   * before it is visible.
   */
  private final AtomicInteger claim = new AtomicInteger();

  private static final int OPEN = 0;
  private static final int COMPLETING = 1;
  private static final int CANCELLING = 2;

  /**
   * The callers inside {@code get} or {@code join}, and {@link #SETTLED} once the outcome is in.
   * Whether any caller was inside at the moment the outcome came in decides who publishes: if one
   * was, it publishes on its way out (it leaves after the outcome, whatever woke it); if none was,
   * the callback executor does. One atomic word, so no caller can slip out unseen.
   */
  private final AtomicInteger waiters = new AtomicInteger();

  private final AtomicBoolean published = new AtomicBoolean();
  private static final int SETTLED = 1 << 30;

  /** A future whose waiters park at once. */
  public TaskFuture(Hook hook, Executor callbacks) {
    this(hook, callbacks, 0);
  }

  /** A future whose waiters spin up to {@code spinNanos} before they park. */
  public TaskFuture(Hook hook, Executor callbacks, long spinNanos) {
    this(hook, callbacks, spinNanos, null);
  }

  /**
   * A future whose waiters spin up to {@code spinNanos} before they park, giving the {@link
   * SpinHelp} {@code spinHelp} hands out meanwhile (it may hand out none).
   */
  public TaskFuture(Hook hook, Executor callbacks, long spinNanos, Supplier<SpinHelp> spinHelp) {
    this(hook, callbacks, spinNanos, spinHelp, null);
  }

  /**
   * A future whose waiters spin up to {@code spinNanos} before they park, giving the {@link
   * SpinHelp} {@code spinHelp} hands out meanwhile, and whose outcome {@code settling} hears before
   * anyone else (null for none).
   */
  public TaskFuture(
      Hook hook,
      Executor callbacks,
      long spinNanos,
      Supplier<SpinHelp> spinHelp,
      Settling settling) {
    this.settling = settling;
    this.hook = hook;
    this.callbacks = callbacks;
    this.spinNanos = MULTIPROCESSOR ? Math.max(0, spinNanos) : 0;
    this.spinHelp = spinHelp;
  }

  @Override
  public boolean complete(T value) {
    if (!claim.compareAndSet(OPEN, COMPLETING)) {
      return false;
    }
    tellSettling(null);
    settled.complete(value);
    afterSettled();
    return true;
  }

  @Override
  public boolean completeExceptionally(Throwable failure) {
    Objects.requireNonNull(failure, "failure");
    if (!claim.compareAndSet(OPEN, COMPLETING)) {
      return false;
    }
    tellSettling(failure);
    settled.completeExceptionally(failure);
    afterSettled();
    return true;
  }

  /** Called once, by the winner of {@link #claim}. */
  private void tellSettling(Throwable failure) {
    Settling told = settling;
    settling = null;
    if (told != null) {
      told.settling(failure);
    }
  }

  /** A caller inside {@code get}/{@code join} now publishes on its way out; else the executor. */
  private void afterSettled() {
    hook = null;
    if ((waiters.getAndUpdate(w -> w | SETTLED) & ~SETTLED) == 0) {
      callbacks.execute(this::publish);
    }
  }

  /** Hands the settled outcome to this future's dependents, once, on the calling thread. */
  private void publish() {
    if (!published.compareAndSet(false, true)) {
      return;
    }
    if (settled.isCancelled()) {
      super.cancel(false);
      return;
    }
    T value;
    try {
      value = settled.getNow(null);
    } catch (CompletionException e) {
      super.completeExceptionally(e.getCause() != null ? e.getCause() : e);
      return;
    }
    super.complete(value);
  }

  /** Called by every caller on its way into {@code get}/{@code join}. */
  private void enter() {
    waiters.incrementAndGet();
  }

  /** Called by every waiter on its way out: if the outcome is in, it may be the one to publish. */
  private void leave() {
    waiters.decrementAndGet();
    if (settled.isDone()) {
      publish();
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    if (!claim.compareAndSet(OPEN, CANCELLING)) {
      // Already settled: true again only if that was a cancellation, as CompletableFuture says.
      return claim.get() == CANCELLING;
    }
    tellSettling(new CancellationException());
    settled.cancel(mayInterruptIfRunning);
    Hook called = hook;
    hook = null;
    publish(); // the canceller's own thread: it is the caller's, so its dependents may run here
    if (called != null) {
      called.cancelled(mayInterruptIfRunning);
    }
    return true;
  }

  /**
   * Runs {@code action} with the outcome on the thread that settles the future (or at once, on this
   * thread, if it is settled): for the library's own bookkeeping only, which must not block. Caller
   * code goes through the dependent stages instead.
   */
  public void whenSettled(BiConsumer<? super T, ? super Throwable> action) {
    // The stage it returns fails only if the action throws, which library code must not do.
    var unused = settled.whenComplete(action);
  }

  @Override
  public boolean isDone() {
    return settled.isDone();
  }

  @Override
  public boolean isCancelled() {
    return settled.isCancelled();
  }

  @Override
  public boolean isCompletedExceptionally() {
    return settled.isCompletedExceptionally();
  }

  @Override
  public T getNow(T valueIfAbsent) {
    return settled.getNow(valueIfAbsent);
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    enter();
    try {
      spinUpTo(spinNanos);
      return settled.get();
    } finally {
      leave();
    }
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    enter();
    try {
      long start = System.nanoTime();
      long budget = unit.toNanos(timeout);
      spinUpTo(Math.min(spinNanos, budget));
      return settled.get(Math.max(0, budget - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
    } finally {
      leave();
    }
  }

  @Override
  public T join() {
    enter();
    try {
      spinUpTo(spinNanos);
      return settled.join();
    } finally {
      leave();
    }
  }

  /** On JDK 19 and later this overrides {@code Future.resultNow()}, so it sees the settlement. */
  public T resultNow() {
    if (!settled.isDone()) {
      throw new IllegalStateException("Task has not completed");
    }
    if (settled.isCompletedExceptionally()) {
      throw new IllegalStateException(
          settled.isCancelled() ? "Task was cancelled" : "Task completed with exception");
    }
    return settled.join();
  }

  /** On JDK 19 and later this overrides {@code Future.exceptionNow()}. */
  public Throwable exceptionNow() {
    if (!settled.isDone()) {
      throw new IllegalStateException("Task has not completed");
    }
    if (settled.isCancelled()) {
      throw new IllegalStateException("Task was cancelled");
    }
    try {
      settled.join();
    } catch (CancellationException e) {
      throw new IllegalStateException("Task was cancelled");
    } catch (RuntimeException e) {
      return e.getCause() != null ? e.getCause() : e;
    }
    throw new IllegalStateException("Task completed with a result");
  }

  private void spinUpTo(long nanos) {
    if (nanos <= 0 || settled.isDone()) {
      return;
    }
    long deadline = System.nanoTime() + nanos;
    SpinHelp help = spinHelp == null ? null : spinHelp.get();
    try {
      while (!settled.isDone() && System.nanoTime() - deadline < 0) {
        spinOnce(help);
      }
    } finally {
      if (help != null) {
        help.end();
      }
    }
  }

  private static void spinOnce(SpinHelp help) {
    if (help != null) {
      help.once();
    } else {
      Thread.onSpinWait();
    }
  }

  @Override
  public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
    // CompletableFuture's own version sets the result without complete(): route it here.
    executor.execute(
        () -> {
          try {
            complete(supplier.get());
          } catch (Throwable t) {
            completeExceptionally(t);
          }
        });
    return this;
  }

  @Override
  public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
    return completeAsync(supplier, callbacks);
  }

  @Override
  public void obtrudeValue(T value) {
    published.set(true);
    settled.obtrudeValue(value);
    super.obtrudeValue(value);
  }

  @Override
  public void obtrudeException(Throwable failure) {
    published.set(true);
    settled.obtrudeException(failure);
    super.obtrudeException(failure);
  }

  /** {@code …Async} stages without an executor run on the pool's callback executor. */
  @Override
  public Executor defaultExecutor() {
    return callbacks;
  }

  /**
   * Dependent stages ({@code thenApply}, {@code whenComplete}…) are {@link DependentFuture}s: a
   * caller waiting on one spins on this future as a caller of {@code get} would, and, if the
   * outcome comes within the spin, publishes it on its own thread, so a dependent stage costs a
   * waiting caller no hand-off either.
   */
  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new DependentFuture<>(this);
  }

  /**
   * A caller is about to wait for {@code dependent}, a stage that depends on this future: it spins
   * up to the spin bound while neither is done, and if this future settles meanwhile, publishes it
   * here, running the dependent stages on the caller's thread. Past the bound it leaves the
   * publishing to the callback executor, and the caller parks as {@code CompletableFuture} does —
   * so a dependent that can complete without this future ({@code applyToEither}, {@code orTimeout})
   * is never held up by it.
   */
  void helpBeforeWaiting(CompletableFuture<?> dependent) {
    if (spinNanos <= 0 || published.get() || dependent.isDone()) {
      return;
    }
    enter();
    SpinHelp help = spinHelp == null ? null : spinHelp.get();
    try {
      long deadline = System.nanoTime() + spinNanos;
      while (!settled.isDone() && !dependent.isDone() && System.nanoTime() - deadline < 0) {
        spinOnce(help);
      }
    } finally {
      if (help != null) {
        help.end();
      }
      leave();
    }
  }
}
