package dev.stockade;

import dev.stockade.internal.bulk.BulkCalls;
import dev.stockade.internal.bulk.MapRun;
import dev.stockade.internal.workers.RealWorkerPool;
import dev.stockade.internal.workers.WorkerPoolSettings;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A bounded pool of long-lived worker processes that take task after task over the Stockade
 * protocol ({@code docs/protocol.md}): the JVM's {@code multiprocessing.Pool}, and a pool of
 * browser workers.
 *
 * <pre>{@code
 * try (WorkerPool<String, String> pool = WorkerPool.builder(Codec.utf8(), Codec.utf8())
 *         .pythonWorker(Path.of("render_worker.py"))
 *         .workers(4)
 *         .memoryLimit(MemorySize.ofMebibytes(512))
 *         .build()) {
 *     String html = pool.submit("https://example.com").get();
 * }
 * }</pre>
 *
 * <p>Everything {@link CommandPool} guarantees for a tree holds for each worker here, through the
 * same engine: a hard memory limit over the whole tree, complete teardown (daemonized descendants
 * included), a {@code TMPDIR} of its own removed with it, and signals only through pid descriptors.
 * On top of that:
 *
 * <ul>
 *   <li><b>Liveness.</b> A worker that sends no heartbeat for {@code heartbeatTimeout} is ended
 *       ({@link HeartbeatTimeoutException}) if it is hung: its root process is stopped, or its tree
 *       used less than a twentieth of one CPU over that time. One whose tree keeps using CPU is
 *       busy (a C call holding Python's GIL keeps the heartbeat thread from running) and is left to
 *       the task's timeouts ({@link WorkerSnapshot#busyWithoutHeartbeat()}, {@link
 *       PoolListener#workerBusyWithoutHeartbeat}); a task that reports no progress for {@code
 *       progressTimeout}, when set, is ended ({@link ProgressTimeoutException}); idle workers are
 *       pinged, and probed by an optional {@link HealthCheck}, every {@code healthCheckInterval}.
 *   <li><b>Recycling.</b> Workers are retired after {@code maxTasksPerWorker} tasks or {@code
 *       maxWorkerAge} (both reduced by a random jitter, so workers do not all retire together),
 *       when their tree crosses the soft memory limit (after the current task), and after {@code
 *       idleTimeout} idle while more than {@code minIdle} are alive.
 *   <li><b>Crashes fail one task.</b> A worker that dies mid-task fails only that task ({@link
 *       WorkerCrashedException}: exit code or signal, stderr tail, peak memory); a replacement
 *       starts. Restarts after failures back off exponentially with jitter, and after {@code
 *       startFailureThreshold} failed starts in a row a circuit breaker opens: the pool stops
 *       starting processes, {@link #isHealthy()} turns false, submissions fail at once with {@link
 *       PoolUnhealthyException}, and after {@code circuitOpenDuration} the pool probes with one
 *       start. Tasks marked {@link TaskOptions#withIdempotent} are retried on another worker after
 *       a crash, a heartbeat loss, a protocol violation or a failure of the pool's own supervision
 *       ({@link SupervisionFailedException}).
 *   <li><b>Every future completes exactly once</b>: with the decoded result, with {@link
 *       TaskFailedException} when the handler raised, or with a typed {@link StockadeException}.
 *       {@code cancel(true)} sends CANCEL and ends the worker if the task has not stopped within
 *       {@code cancelGrace}; the future, as the {@code Future} contract requires, completes at
 *       once, and the listener's {@link PoolListener#taskFailed} tells when the task has stopped.
 *   <li><b>At most once</b>: a task not marked idempotent is never run twice, whatever ends its
 *       worker; a task that may have run fails instead.
 * </ul>
 *
 * <p>The caller's code never runs on the pool's own threads: a future's dependent stages ({@code
 * thenApply} and its kin) run on the thread of a caller that was waiting for the result in {@code
 * get} or {@code join}, or else on the pool's callback executor ({@link
 * PoolBuilder#callbackExecutor}), where the listener and the health check run too; so a slow
 * callback delays neither other tasks nor any worker's heartbeats, and a callback may wait on
 * another task of the same pool.
 *
 * <p>It closes as every {@link ProcessPool} does: {@link #close()} at once, {@link #shutdown()} and
 * {@link #close(Duration)} after a drain, workers retiring as they go idle.
 *
 * @param <I> the task input type, encoded by the input {@link Codec}
 * @param <O> the result type, decoded by the output {@link Codec}
 */
public final class WorkerPool<I, O> extends ProcessPool {
  private final RealWorkerPool engine;
  private final Codec<I> input;
  private final Codec<O> output;

  private WorkerPool(RealWorkerPool engine, Codec<I> input, Codec<O> output) {
    super(engine);
    this.engine = engine;
    this.input = input;
    this.output = output;
  }

  /** Starts a pool with settings its builder checked. */
  static <I, O> WorkerPool<I, O> start(
      WorkerPoolSettings settings, Codec<I> input, Codec<O> output) {
    return new WorkerPool<>(RealWorkerPool.start(settings), input, output);
  }

  /**
   * A builder for a pool whose tasks take {@code I} and give {@code O}.
   *
   * @param <I> the task input type
   * @param <O> the result type
   * @param input encodes task inputs into payloads
   * @param output decodes payloads into results
   * @return a new builder, every setting at its default
   */
  public static <I, O> WorkerPoolBuilder<I, O> builder(Codec<I> input, Codec<O> output) {
    return new WorkerPoolBuilder<>(
        Objects.requireNonNull(input, "input codec"),
        Objects.requireNonNull(output, "output codec"));
  }

  /**
   * Submits a task with the pool's defaults.
   *
   * @param task the task's input
   * @return a future that completes with the decoded result, or fails with a {@link
   *     StockadeException} that says why it has none (or, once cancelled, with a {@code
   *     CancellationException})
   * @throws IllegalArgumentException if the input codec cannot encode {@code task}, or the encoded
   *     payload is larger than {@code maxFrameSize}
   */
  public CompletableFuture<O> submit(I task) {
    return submit(task, TaskOptions.defaults());
  }

  /**
   * Submits a task. Admission failures come back as a failed future ({@link
   * PoolSaturatedException}, {@link PoolClosedException}, {@link PoolUnhealthyException}), never as
   * a throw.
   *
   * @param task the task's input
   * @param options how this task differs from the pool's settings
   * @return a future that completes with the decoded result, or fails with a {@link
   *     StockadeException} that says why it has none (or, once cancelled, with a {@code
   *     CancellationException})
   * @throws IllegalArgumentException if the input codec cannot encode {@code task}, or the encoded
   *     payload is larger than {@code maxFrameSize}
   */
  public CompletableFuture<O> submit(I task, TaskOptions options) {
    Objects.requireNonNull(options, "options");
    byte[] payload;
    try {
      payload = input.encode(task);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "input codec "
              + input
              + " could not encode task '"
              + options.label()
              + "': "
              + e.getMessage(),
          e);
    }
    Objects.requireNonNull(payload, "input codec returned null");
    @SuppressWarnings("unchecked") // the engine completes it only with output.decode's values
    CompletableFuture<O> future =
        (CompletableFuture<O>)
            (CompletableFuture<?>) engine.submit(payload, options, output::decode);
    return future;
  }

  /**
   * Runs every input through the workers and returns the outputs in the order of the inputs: the
   * JVM's {@code multiprocessing.Pool.map}. Blocks until all are in, as that does. The inputs go in
   * chunks, many per frame, with a bounded number in flight ({@link MapOptions}); the codecs, and
   * the iteration of {@code inputs}, run on the calling thread.
   *
   * @param inputs the inputs; a {@code Collection}'s size sets the chunk size as {@code
   *     multiprocessing} does
   * @return the decoded outputs, in the order of the inputs
   * @throws MapFailedException at the first failed input, naming its index (its cause says why);
   *     the chunks still queued or running are cancelled
   * @throws InterruptedException if the calling thread is interrupted; the chunks still queued or
   *     running are cancelled
   * @throws IllegalArgumentException if the input codec cannot encode an input, or an encoded input
   *     is too large for one frame; the chunks already sent are cancelled
   */
  public List<O> map(Iterable<? extends I> inputs) throws InterruptedException {
    return map(inputs, MapOptions.defaults());
  }

  /**
   * {@link #map(Iterable)} with options: the chunk size, the bound on inputs in flight, whether
   * failures are collected, and the task options of every chunk. With {@link
   * MapOptions#withCollectFailures collectFailures}, every input runs, and if any failed the call
   * throws a {@link MapFailedException} listing every failure, whose {@link
   * MapFailedException#outcomes() outcomes} hold every input's outcome in order.
   *
   * @param inputs the inputs
   * @param options how the call runs
   * @return the decoded outputs, in the order of the inputs
   * @throws MapFailedException if an input failed
   * @throws InterruptedException if the calling thread is interrupted; the call is cancelled
   * @throws IllegalArgumentException if an input cannot be encoded or is too large for one frame
   */
  public List<O> map(Iterable<? extends I> inputs, MapOptions options) throws InterruptedException {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(options, "options");
    return BulkCalls.ordered(run(inputs.iterator(), lengthOf(inputs), options));
  }

  /**
   * {@link #map(Iterable, MapOptions)} over a stream, which is read lazily and closed at the end.
   *
   * @param inputs the inputs; a sized stream's size sets the chunk size
   * @param options how the call runs
   * @return the decoded outputs, in the order of the inputs
   * @throws MapFailedException if an input failed
   * @throws InterruptedException if the calling thread is interrupted; the call is cancelled
   * @throws IllegalArgumentException if an input cannot be encoded or is too large for one frame
   */
  public List<O> map(Stream<? extends I> inputs, MapOptions options) throws InterruptedException {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(options, "options");
    try (inputs) {
      Spliterator<? extends I> source = inputs.spliterator();
      return BulkCalls.ordered(run(Spliterators.iterator(source), lengthOf(source), options));
    }
  }

  /**
   * Runs every input through the workers and yields each outcome as it comes, in no set order:
   * {@code multiprocessing}'s {@code imap_unordered}. The returned stream is lazy — inputs are
   * taken from {@code inputs} only as the window has room (two chunks per worker, and at most
   * {@link MapOptions#withMaxInFlight maxInFlight} inputs), so a source of any length runs in
   * bounded memory — and it is driven by the thread that consumes it, where the codecs and the
   * iteration of {@code inputs} run. Close it (try-with-resources) to cancel what is still queued
   * or running.
   *
   * <p>By default the first failure ends the stream with a {@link MapFailedException} (thrown by
   * the operation consuming it) and cancels the rest; with {@link MapOptions#withCollectFailures
   * collectFailures} a failed input is yielded as a failed {@link MapItem}. A consumer interrupted
   * while it waits gets a {@code CancellationException}, its interrupt status kept, and the call is
   * cancelled.
   *
   * @param inputs the inputs
   * @param options how the call runs
   * @return each input's outcome, with its index, as it comes
   */
  public Stream<MapItem<O>> mapUnordered(Iterable<? extends I> inputs, MapOptions options) {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(options, "options");
    return BulkCalls.unordered(run(inputs.iterator(), lengthOf(inputs), options), () -> {});
  }

  /**
   * {@link #mapUnordered(Iterable, MapOptions)} over a stream, read lazily and closed with the
   * returned stream.
   *
   * @param inputs the inputs
   * @param options how the call runs
   * @return each input's outcome, with its index, as it comes
   */
  public Stream<MapItem<O>> mapUnordered(Stream<? extends I> inputs, MapOptions options) {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(options, "options");
    Spliterator<? extends I> source = inputs.spliterator();
    return BulkCalls.unordered(
        run(Spliterators.iterator(source), lengthOf(source), options), inputs::close);
  }

  private MapRun<I, O> run(Iterator<? extends I> inputs, OptionalLong length, MapOptions options) {
    return new MapRun<>(engine, input, output, inputs, length, options);
  }

  private static OptionalLong lengthOf(Iterable<?> inputs) {
    return inputs instanceof Collection<?> c ? OptionalLong.of(c.size()) : OptionalLong.empty();
  }

  private static OptionalLong lengthOf(Spliterator<?> inputs) {
    long size = inputs.getExactSizeIfKnown();
    return size >= 0 ? OptionalLong.of(size) : OptionalLong.empty();
  }

  /**
   * False while the circuit breaker is open or probing: workers keep failing to start.
   *
   * @return whether the pool starts workers and takes tasks
   */
  public boolean isHealthy() {
    return engine.isHealthy();
  }
}
