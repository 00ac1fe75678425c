package dev.stockade.internal.bulk;

import dev.stockade.Codec;
import dev.stockade.MapFailedException;
import dev.stockade.MapItem;
import dev.stockade.MapOptions;
import dev.stockade.PoolSaturatedException;
import dev.stockade.StockadeException;
import dev.stockade.TaskFailedException;
import dev.stockade.TaskOptions;
import dev.stockade.internal.protocol.BatchPayloads;
import dev.stockade.internal.protocol.Payloads;
import dev.stockade.internal.protocol.ProtocolViolation;
import dev.stockade.internal.workers.RealWorkerPool;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One bulk call, driven by the caller's thread: each {@link #next} tops up the window from the
 * source (the source's iterator and the input codec run here), waits for outcomes the workers'
 * readers hand over, decodes them (the output codec runs here too) and gives back one. Nothing of
 * the caller's runs on a pool thread; the readers only queue what they read.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public final class MapRun<I, O> {
  /** What a reader or a settling thread hands the caller's thread. */
  private sealed interface Event {}

  private record Outcomes(Chunk chunk, String workerId, BatchPayloads.Outcomes outcomes, long at)
      implements Event {}

  private record Ended(Chunk chunk, Throwable failure) implements Event {}

  private final RealWorkerPool pool;
  private final Codec<I> input;
  private final Codec<O> output;
  private final MapOptions options;
  private final TaskOptions taskOptions;
  private final String label;
  private final Iterator<? extends I> source;
  private final ChunkSizer sizer;
  private final int maxChunks;
  private final long maxInFlight;
  private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final List<Chunk> open = new ArrayList<>();
  private final ArrayDeque<Chunk> refused = new ArrayDeque<>();
  private final ArrayDeque<MapItem<O>> ready = new ArrayDeque<>();
  private final List<MapItem<?>> failures = new ArrayList<>();

  /** An input encoded but not yet in a chunk: it did not fit the last one. */
  private byte[] carried;

  private long taken;

  /** Inputs placed in chunks: the index of the next chunk's first input. */
  private long placed;

  private long inFlight;

  /** Whether one of the call's chunks ended since the pool last refused one. */
  private boolean roomSinceRefusal;

  private MapFailedException failed;
  private RuntimeException broken;
  private boolean cancelled;

  /**
   * @param length the number of inputs, when known
   */
  public MapRun(
      RealWorkerPool pool,
      Codec<I> input,
      Codec<O> output,
      Iterator<? extends I> source,
      OptionalLong length,
      MapOptions options) {
    this.pool = pool;
    this.input = input;
    this.output = output;
    this.source = source;
    this.options = options;
    this.taskOptions = options.taskOptions();
    this.label = taskOptions.label();
    int workers = pool.common.workers();
    this.sizer =
        options.chunkSize().isPresent()
            ? ChunkSizer.fixed(options.chunkSize().getAsInt())
            : length.isPresent()
                ? ChunkSizer.forLength(length.getAsLong(), workers)
                : ChunkSizer.adaptive();
    this.maxChunks = 2 * workers;
    this.maxInFlight = options.maxInFlight().orElse(Integer.MAX_VALUE);
  }

  /**
   * The next outcome, in the order outcomes come; null once every input has one.
   *
   * @throws MapFailedException at the first failure, unless failures are collected; then, once all
   *     inputs ran, if any failed is for the caller of {@link #failures} to decide
   * @throws InterruptedException if the caller was interrupted; the call is cancelled
   * @throws IllegalArgumentException if an input could not be encoded or is over {@code
   *     maxFrameSize}; the call is cancelled
   */
  public MapItem<O> next() throws InterruptedException {
    while (ready.isEmpty()) {
      checkState();
      try {
        fill();
      } catch (RuntimeException e) {
        broken = e;
        cancel();
        throw e;
      }
      if (open.isEmpty() && refused.isEmpty()) {
        return null;
      }
      Event event;
      try {
        event = events.take();
      } catch (InterruptedException e) {
        cancel();
        throw e;
      }
      handle(event);
      Event more;
      while (ready.isEmpty() && (more = events.poll()) != null) {
        handle(more);
      }
    }
    MapItem<O> item = ready.poll();
    inFlight--;
    return item;
  }

  /** The failed inputs so far, in the order of their indexes. */
  public List<MapItem<?>> failures() {
    List<MapItem<?>> sorted = new ArrayList<>(failures);
    sorted.sort(Comparator.comparingLong(MapItem::index));
    return sorted;
  }

  /** Whether failed inputs are outcomes rather than the end of the call. */
  public boolean collectsFailures() {
    return options.collectsFailures();
  }

  /** The label its inputs are named by. */
  public String label() {
    return label;
  }

  /**
   * Cancels the chunks still queued or running, as {@code cancel(true)} does a task: a running
   * input is interrupted, and its worker ended if it does not stop within {@code cancelGrace}.
   */
  public void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    refused.clear();
    for (Chunk chunk : open) {
      chunk.done = true;
      chunk.future.cancel(true);
    }
    open.clear();
  }

  private void checkState() {
    if (failed != null) {
      throw failed;
    }
    if (broken != null) {
      throw broken;
    }
    if (cancelled) {
      throw new CancellationException("the map over '" + label + "' was cancelled");
    }
  }

  /** Takes inputs from the source into chunks while the window has room. */
  private void fill() {
    while (roomSinceRefusal && !refused.isEmpty() && open.size() < maxChunks) {
      submit(refused.poll());
    }
    while (open.size() + refused.size() < maxChunks
        && inFlight < maxInFlight
        && (carried != null || source.hasNext())) {
      int want = (int) Math.min(sizer.next(), maxInFlight - inFlight);
      List<byte[]> encoded = new ArrayList<>(Math.min(want, 1024));
      long bytes = BatchPayloads.batchSize(0, 0);
      int frameBound = pool.maxFrameSize();
      while (encoded.size() < want) {
        byte[] next = carried != null ? carried : encodeNext();
        if (next == null) {
          break;
        }
        carried = null;
        long grown = bytes + BatchPayloads.BATCH_BYTES_PER_INPUT + next.length;
        if (grown > frameBound && !encoded.isEmpty()) {
          carried = next;
          break;
        }
        encoded.add(next);
        bytes = grown;
      }
      if (encoded.isEmpty()) {
        return;
      }
      Chunk chunk = new Chunk(placed, encoded.size(), BatchPayloads.batch(encoded));
      placed += chunk.count;
      inFlight += chunk.count;
      submit(chunk);
    }
  }

  /** The next input encoded, or null when the source has no more. */
  private byte[] encodeNext() {
    if (!source.hasNext()) {
      return null;
    }
    I value = source.next();
    long index = taken++;
    byte[] encoded;
    try {
      encoded = input.encode(value);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "input codec " + input + " could not encode input " + index + ": " + e.getMessage(), e);
    }
    if (encoded == null) {
      throw new IllegalArgumentException(
          "input codec " + input + " returned null for input " + index);
    }
    long alone = BatchPayloads.batchSize(1, encoded.length);
    if (alone > pool.maxFrameSize()) {
      throw new IllegalArgumentException(
          "input "
              + index
              + " of '"
              + label
              + "' must encode to at most "
              + (pool.maxFrameSize() - BatchPayloads.batchSize(1, 0))
              + " bytes (maxFrameSize "
              + pool.maxFrameSize()
              + " less its chunk's framing), but was "
              + encoded.length
              + " bytes");
    }
    return encoded;
  }

  private void submit(Chunk chunk) {
    TaskOptions chunkOptions = taskOptions.withLabel(label + chunk.range());
    chunk.future =
        pool.submitBatch(
            chunk.payload,
            chunk.count,
            chunkOptions,
            (workerId, outcomes) ->
                events.add(new Outcomes(chunk, workerId, outcomes, System.nanoTime())));
    open.add(chunk);
    chunk.future.whenSettled((value, failure) -> events.add(new Ended(chunk, failure)));
  }

  private void handle(Event event) {
    if (event instanceof Outcomes o) {
      outcomes(o);
    } else if (event instanceof Ended e) {
      ended(e.chunk(), e.failure());
    }
  }

  private void outcomes(Outcomes event) {
    Chunk chunk = event.chunk();
    if (chunk.done) {
      return;
    }
    BatchPayloads.Outcomes outcomes = event.outcomes();
    int first = (int) outcomes.first();
    if (first == 0 && chunk.delivered > 0) {
      chunk.frames = 0; // the chunk runs again after its worker failed: time it afresh
    }
    chunk.frames++;
    if (chunk.frames == 1) {
      chunk.firstFrameNanos = event.at();
      chunk.firstFrameInputs = first + outcomes.count();
    }
    chunk.lastFrameNanos = event.at();
    for (int i = Math.max(0, chunk.delivered - first); i < outcomes.count(); i++) {
      long index = chunk.base + first + i;
      deliver(
          outcomes.isFailure(i)
              ? MapItem.failure(index, failureOf(index, event.workerId(), outcomes.body(i)))
              : decoded(index, outcomes.body(i)));
    }
    chunk.delivered = Math.max(chunk.delivered, first + outcomes.count());
    if (chunk.delivered == chunk.count) {
      finished(chunk);
      sizer.answered(
          chunk.count,
          chunk.frames,
          chunk.lastFrameNanos - chunk.firstFrameNanos,
          chunk.count - chunk.firstFrameInputs);
    }
  }

  private void ended(Chunk chunk, Throwable failure) {
    if (chunk.done) {
      return;
    }
    Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
    if (cause == null) {
      return; // answered in whole: its last outcomes finished it
    }
    if (cause instanceof PoolSaturatedException && chunk.delivered == 0 && open.size() > 1) {
      // The pool's queue is full, partly with this call's own chunks: offer it again when one of
      // them has ended.
      open.remove(chunk);
      refused.add(chunk);
      roomSinceRefusal = false;
      return;
    }
    StockadeException reason =
        cause instanceof StockadeException s
            ? s
            : new StockadeException(
                "chunk " + chunk.range() + " of '" + label + "' failed: " + cause, cause);
    finished(chunk);
    for (int i = chunk.delivered; i < chunk.count; i++) {
      deliver(MapItem.failure(chunk.base + i, reason));
    }
    chunk.delivered = chunk.count;
  }

  private void finished(Chunk chunk) {
    roomSinceRefusal = true;
    chunk.done = true;
    chunk.payload = null;
    open.remove(chunk);
  }

  private void deliver(MapItem<O> item) {
    if (item.isSuccess() || options.collectsFailures()) {
      ready.add(item);
      if (!item.isSuccess()) {
        failures.add(item);
      }
      return;
    }
    if (failed == null) {
      failures.add(item);
      failed = new MapFailedException(label, List.of(item), List.of());
      cancel();
    }
  }

  private MapItem<O> decoded(long index, byte[] body) {
    try {
      return MapItem.success(index, output.decode(body));
    } catch (Exception e) {
      return MapItem.failure(
          index,
          new StockadeException(
              "the output of input "
                  + index
                  + " of '"
                  + label
                  + "' could not be decoded by "
                  + output
                  + ": "
                  + e.getMessage(),
              e));
    }
  }

  private StockadeException failureOf(long index, String workerId, byte[] body) {
    try {
      Payloads.ErrorReply error = Payloads.error(body);
      return new TaskFailedException(
          label + "[" + index + "]", workerId, error.type(), error.message(), error.trace());
    } catch (ProtocolViolation e) {
      // The reader checked every failure before it handed it over.
      throw new IllegalStateException("a failure the reader had checked did not parse", e);
    }
  }
}
