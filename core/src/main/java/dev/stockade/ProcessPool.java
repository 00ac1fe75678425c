package dev.stockade;

import dev.stockade.internal.engine.PoolEngine;
import java.time.Duration;
import java.util.Objects;

/**
 * A running pool of supervised process trees: a {@link CommandPool} or a {@link WorkerPool}. This
 * is the type to take for "either pool" — a metrics binder, a health indicator, a framework's
 * lifecycle bean — since it holds what both share: the name, the {@link #snapshot() snapshot} and
 * the way a pool is closed.
 *
 * <p>Both pools close alike. {@link #close()} refuses new tasks, fails queued ones with {@link
 * PoolClosedException}, ends every running tree (their tasks fail with {@link PoolClosedException})
 * and returns once every tree is verified gone; a future's callback or a listener may call it too,
 * and it waits there as anywhere. {@link #shutdown()} and {@link #close(Duration)} close gracefully
 * instead: intake stops, accepted tasks finish (up to a deadline), then what is left is ended. A
 * JVM shutdown hook calls {@code close(Duration)} with a drain of 5 s as a courtesy; it is not a
 * guarantee, since hooks do not run when the JVM is killed with SIGKILL, and {@code
 * shutdownHook(false)} turns it off for applications whose framework closes the pool.
 *
 * <p>Every method here is safe to call from any thread, at any time, any number of times.
 */
public abstract sealed class ProcessPool implements AutoCloseable permits CommandPool, WorkerPool {
  private final PoolEngine<?, ?> engine;

  ProcessPool(PoolEngine<?, ?> engine) {
    this.engine = engine;
  }

  /**
   * The pool's name, as given to {@link PoolBuilder#name} or else {@code commands-N} or {@code
   * workers-N}.
   *
   * @return the name
   */
  public final String name() {
    return engine.name();
  }

  /**
   * The pool's counts and every live tree at the last sample.
   *
   * @return a snapshot of the pool
   */
  public final PoolSnapshot snapshot() {
    return engine.snapshot();
  }

  /**
   * The pool's health now: {@link HealthStatus#UP}, or its problems — closed, a {@link WorkerPool}
   * whose breaker is open or whose workers cannot start ({@link HealthStatus#DOWN}); memory
   * pressure, saturation, no lifeline ({@link HealthStatus#DEGRADED}) — each with a message. For a
   * readiness probe; the listener's {@link PoolListener#healthChanged} hears each change.
   *
   * @return the health now
   */
  public final PoolHealth health() {
    return engine.health();
  }

  /**
   * The pool's running totals since it was built: tasks by outcome with their wait and run times,
   * trees started and ended by reason, and a {@link WorkerPool}'s breaker. A task is counted before
   * its future completes (see {@link PoolStatistics}). Cheap, and takes no lock.
   *
   * @return the totals now
   */
  public final PoolStatistics statistics() {
    return engine.statistics();
  }

  /**
   * Stops intake and lets the pool drain: tasks submitted from now on fail with {@link
   * PoolClosedException} ("refused after shutdown"); tasks already accepted, running and queued
   * alike, still run to their end, as an {@code ExecutorService} runs them after its {@code
   * shutdown()}. In a {@link WorkerPool}, idle workers retire at once, busy ones as soon as no
   * queued task is left for them. Once the last accepted task has ended, the pool closes itself.
   * Returns at once; idempotent.
   */
  public final void shutdown() {
    engine.shutdown();
  }

  /**
   * True once {@link #shutdown()} or a {@code close} was called.
   *
   * @return whether the pool stopped taking tasks
   */
  public final boolean isShutdown() {
    return engine.isShutdown();
  }

  /**
   * Waits up to {@code timeout} for the pool to be closed (after {@link #shutdown()}, that is once
   * every accepted task has ended); ends nothing itself.
   *
   * @param timeout the longest to wait
   * @return true if the pool is closed, false if the time ran out first
   * @throws InterruptedException if the calling thread is interrupted while it waits
   */
  public final boolean awaitTermination(Duration timeout) throws InterruptedException {
    return engine.awaitTermination(Objects.requireNonNull(timeout, "timeout"));
  }

  /**
   * True once the pool is closed: every tree gone and its threads stopped.
   *
   * @return whether the pool is closed
   */
  public final boolean isTerminated() {
    return engine.isTerminated();
  }

  /**
   * Closes gracefully: {@link #shutdown()}, then waits up to {@code drainTimeout} for the accepted
   * tasks to end, then ends whatever is left as {@link #close()} does — those tasks fail with
   * {@link PoolClosedException} saying they were cut off by close after the drain deadline — and
   * returns once every tree is gone. On one of the pool's own threads (a callback or listener) it
   * does not wait: the cut-off then happens at the deadline.
   *
   * <p>The pool's JVM shutdown hook calls this with a drain of 5 s. An application whose framework
   * orders its own shutdown (Spring's {@code @PreDestroy} or {@code SmartLifecycle}) should build
   * the pool with {@code shutdownHook(false)} and call this from the framework, so the pool drains
   * in the framework's order instead of beside it.
   *
   * @param drainTimeout the longest the accepted tasks may take to end before they are cut off
   * @throws IllegalArgumentException if {@code drainTimeout} is negative
   */
  public final void close(Duration drainTimeout) {
    engine.close(drainTimeout);
  }

  /**
   * Ends everything at once, without a drain: queued tasks and running ones fail with {@link
   * PoolClosedException}; a {@link WorkerPool} asks its idle workers to exit and ends its busy
   * ones. Returns once every tree is gone. Idempotent.
   */
  @Override
  public final void close() {
    engine.close();
  }
}
