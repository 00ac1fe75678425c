package dev.stockade.internal.workers;

import dev.stockade.TaskOptions;
import dev.stockade.internal.engine.PoolTally;
import dev.stockade.internal.engine.PoolTask;
import dev.stockade.internal.engine.SpinHelp;
import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * One submitted task: its payload, its effective timeout, the caller's future, and — for an
 * idempotent task — the retry context that decides whether a worker failure runs it again. It
 * reports one start and one end to the listener, however many attempts it takes.
 */
final class WorkerTask extends PoolTask<Object> {
  /** Turns a RESULT payload into the caller's value; a failure is the worker's. */
  public interface Decoder {
    Object decode(byte[] payload) throws Exception;
  }

  private volatile byte[] payload;
  final TaskOptions options;
  final Decoder decoder;

  /** Where a batch's outcomes go; null for a task of one input. */
  final BatchSink batch;

  /** A batch's number of inputs; 1 for a task. */
  final int inputs;

  /** Null unless the task is idempotent. */
  final Retry.AsyncContext<Object> retry;

  /** The worker running it now, or null while queued or between attempts. */
  volatile PooledWorker worker;

  /**
   * A task of one input ({@code batch} null), or a batch of {@code inputs} inputs whose outcomes go
   * to {@code batch} ({@code decoder} null). A caller blocked on its future spins up to {@code
   * spinNanos} before it parks.
   */
  WorkerTask(
      byte[] payload,
      TaskOptions options,
      Duration timeout,
      WorkerTask.Decoder decoder,
      BatchSink batch,
      int inputs,
      Retry.AsyncContext<Object> retry,
      PoolTally tally,
      Canceller<WorkerTask> onCancel,
      Executor callbacks,
      long spinNanos) {
    super(
        options.label(),
        timeout,
        tally,
        onCancel,
        callbacks,
        spinNanos,
        WorkerTask::helpWhileWaiting);
    this.payload = payload;
    this.options = options;
    this.decoder = decoder;
    this.batch = batch;
    this.inputs = inputs;
    this.retry = retry;
  }

  /**
   * A caller spinning on the future reads the replies of the worker that runs the task, so that the
   * answer is read and settled on the caller's own thread: a warm round trip then costs no wake-up
   * in the supervisor at all. See {@link WorkerConnection#callerWaits}. Null while it is queued.
   */
  private static SpinHelp helpWhileWaiting(WorkerTask task) {
    PooledWorker running = task.worker;
    return running == null ? null : running.connection.callerWaits();
  }

  /** Whether it goes to its worker as a BATCH. */
  boolean isBatch() {
    return batch != null;
  }

  /** The input, while the task may still be sent; null once it has ended. */
  byte[] payload() {
    return payload;
  }

  /** Its input is let go at its end, so a caller who keeps the future does not keep it. */
  @Override
  protected void letGo() {
    payload = null;
  }
}
