package dev.stockade.internal.workers;

import dev.stockade.TaskOptions;
import io.github.resilience4j.retry.Retry;
import dev.stockade.internal.engine.CancelHookedFuture;
import java.time.Duration;

/**
 * One submitted task: its payload, its effective timeout, the caller's future, and — for an
 * idempotent task — the retry context that decides whether a worker failure runs it again.
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

  final byte[] payload;
  final TaskOptions options;
  final Duration timeout;
  final Decoder decoder;
  final CancelHookedFuture<Object> future;
  /** Null unless the task is idempotent. */
  final Retry.AsyncContext<Object> retry;
  /** The worker running it now, or null while queued or between attempts. */
  volatile PooledWorker worker;
  int attempts;

  WorkerTask(byte[] payload, TaskOptions options, Duration timeout, Decoder decoder,
      Retry.AsyncContext<Object> retry, RealWorkerPool pool) {
    this.payload = payload;
    this.options = options;
    this.timeout = timeout;
    this.decoder = decoder;
    this.retry = retry;
    this.future = new CancelHookedFuture<>(
        interrupt -> pool.cancelled(this, interrupt), WAIT_SPIN_NANOS);
  }

  String label() {
    return options.label();
  }
}
