package dev.stockade;

import dev.stockade.internal.engine.SettingRules;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How a bulk call of a {@link WorkerPool} ({@link WorkerPool#map}, {@link WorkerPool#mapUnordered})
 * runs: how many inputs go to a worker in one chunk, how many may be in flight at once, whether the
 * first failure ends the call or every failure is collected, and the options each input runs with.
 * Immutable; each {@code with…} returns a copy.
 *
 * <p>Chunks. The inputs go to the workers in chunks, one frame per chunk each way, so a small input
 * costs a fraction of a round trip. Unless {@link #withChunkSize} fixes the size:
 *
 * <ul>
 *   <li>inputs of known length <i>n</i> (a {@code Collection}, a sized stream) are cut as {@code
 *       multiprocessing.Pool.map} cuts them: {@code ceil(n / (4 × workers))} inputs per chunk;
 *   <li>inputs of unknown length start with chunks of one input and adapt: a chunk that came back
 *       quickly is followed by one twice as large, one whose inputs took longer is followed by one
 *       sized to about 20 ms of work, never more than 4,096 inputs.
 * </ul>
 *
 * A chunk also ends before an input that would take it past the pool's {@code maxFrameSize}.
 *
 * <p>In flight. At most two chunks per worker of the pool are in flight (queued or running), and at
 * most {@link #withMaxInFlight maxInFlight} inputs: so the memory a call holds for its inputs and
 * outputs is bounded by the window, never by the number of inputs.
 */
public final class MapOptions {
  private static final MapOptions DEFAULTS =
      new MapOptions(0, Integer.MAX_VALUE, false, TaskOptions.defaults());

  private final int chunkSize;
  private final int maxInFlight;
  private final boolean collectFailures;
  private final TaskOptions taskOptions;

  private MapOptions(
      int chunkSize, int maxInFlight, boolean collectFailures, TaskOptions taskOptions) {
    this.chunkSize = chunkSize;
    this.maxInFlight = maxInFlight;
    this.collectFailures = collectFailures;
    this.taskOptions = taskOptions;
  }

  /**
   * Automatic chunks, two chunks per worker in flight, failing at the first failure, each input run
   * with {@link TaskOptions#defaults()}.
   *
   * @return the default options
   */
  public static MapOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Sends the inputs in chunks of {@code chunkSize} (the last may be smaller, and a chunk ends
   * early rather than pass the pool's {@code maxFrameSize}).
   *
   * @param chunkSize inputs per chunk, from 1
   * @return a copy with that chunk size
   * @throws IllegalArgumentException if {@code chunkSize} is below 1
   */
  public MapOptions withChunkSize(int chunkSize) {
    SettingRules.require(chunkSize >= 1, "chunkSize", ">= 1", chunkSize);
    return new MapOptions(chunkSize, maxInFlight, collectFailures, taskOptions);
  }

  /**
   * Bounds the inputs in flight: taken from the source but not yet handed back to the caller.
   *
   * @param maxInFlight the most inputs in flight, from 1
   * @return a copy with that bound
   * @throws IllegalArgumentException if {@code maxInFlight} is below 1
   */
  public MapOptions withMaxInFlight(int maxInFlight) {
    SettingRules.require(maxInFlight >= 1, "maxInFlight", ">= 1", maxInFlight);
    return new MapOptions(chunkSize, maxInFlight, collectFailures, taskOptions);
  }

  /**
   * {@code true}: every input runs whatever others do, and the call reports every failure; {@code
   * false} (the default): the first failure ends the call, cancelling the chunks still queued or
   * running.
   *
   * @param collectFailures whether to run on past failures and collect them
   * @return a copy with that choice
   */
  public MapOptions withCollectFailures(boolean collectFailures) {
    return new MapOptions(chunkSize, maxInFlight, collectFailures, taskOptions);
  }

  /**
   * The options each chunk runs with: its label (an input's is the label and its index, {@code
   * "task[17]"}); its timeout, which holds for each input of a chunk, not for the whole chunk; and
   * whether it may run again after its worker failed (a chunk run again runs in whole, and the
   * outputs already received are kept).
   *
   * @param taskOptions the options of every chunk
   * @return a copy with those task options
   */
  public MapOptions withTaskOptions(TaskOptions taskOptions) {
    Objects.requireNonNull(taskOptions, "taskOptions");
    return new MapOptions(chunkSize, maxInFlight, collectFailures, taskOptions);
  }

  /**
   * The fixed chunk size.
   *
   * @return the chunk size, or empty when chunks are sized automatically
   */
  public OptionalInt chunkSize() {
    return chunkSize == 0 ? OptionalInt.empty() : OptionalInt.of(chunkSize);
  }

  /**
   * The bound on inputs in flight.
   *
   * @return the bound, or empty when only the two chunks per worker bound it
   */
  public OptionalInt maxInFlight() {
    return maxInFlight == Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of(maxInFlight);
  }

  /**
   * Whether failures are collected rather than ending the call.
   *
   * @return true if set with {@link #withCollectFailures withCollectFailures(true)}
   */
  public boolean collectsFailures() {
    return collectFailures;
  }

  /**
   * The options every chunk runs with.
   *
   * @return the task options
   */
  public TaskOptions taskOptions() {
    return taskOptions;
  }

  @Override
  public String toString() {
    return "MapOptions[chunkSize="
        + (chunkSize == 0 ? "auto" : chunkSize)
        + ", maxInFlight="
        + (maxInFlight == Integer.MAX_VALUE ? "auto" : maxInFlight)
        + ", collectFailures="
        + collectFailures
        + ", "
        + taskOptions
        + "]";
  }
}
