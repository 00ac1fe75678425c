package dev.stockade.internal.workers;

import dev.stockade.TaskOptions;
import dev.stockade.internal.engine.TaskFuture;
import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One submitted task: its payload, its effective timeout, the caller's future, and — for an
 * idempotent task — the retry context that decides whether a worker failure runs it again.
 * It reports one start and one end to the listener, however many attempts it takes.
 */
final class WorkerTask {
  /** Turns a RESULT payload into the caller's value; a failure is the worker's. */
  public interface Decoder {
    Object decode(byte[] payload) throws Exception;
  }

  /**
   * How long a caller blocked on the future spins before it parks: a little over a warm round
   * trip on the reference machine (about 25 µs), so the answer is usually seen without a
   * wake-up. See docs/decisions.md.
   */
  static final long WAIT_SPIN_NANOS = 50_000;

  private volatile byte[] payload;
  final TaskOptions options;
  final Duration timeout;
  final Decoder decoder;
  final TaskFuture<Object> future;
  /** Null unless the task is idempotent. */
  final Retry.AsyncContext<Object> retry;
  /** The worker running it now, or null while queued or between attempts. */
  volatile PooledWorker worker;
  int attempts;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();

  WorkerTask(byte[] payload, TaskOptions options, Duration timeout, Decoder decoder,
      Retry.AsyncContext<Object> retry, RealWorkerPool pool, Executor callbacks) {
    this.payload = payload;
    this.options = options;
    this.timeout = timeout;
    this.decoder = decoder;
    this.retry = retry;
    this.future = new TaskFuture<>(
        interrupt -> pool.cancelled(this, interrupt), callbacks, WAIT_SPIN_NANOS);
  }

  String label() {
    return options.label();
  }

  /** The input, while the task may still be sent; null once it has ended. */
  byte[] payload() {
    return payload;
  }

  /** True the first time only: the task's one start. */
  boolean markStarted() {
    return started.compareAndSet(false, true);
  }

  /**
   * True the first time only: the task's one end. Its input is let go then, so a caller who
   * keeps the future does not keep the payload.
   */
  boolean markEnded() {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    payload = null;
    return true;
  }
}
