package dev.stockade;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one input of a bulk call ({@link WorkerPool#mapUnordered}): its index in the
 * inputs, and either the decoded output or the exception that says why it has none. Immutable.
 *
 * @param <O> the output type
 */
public final class MapItem<O> {
  private final long index;
  private final O value;
  private final StockadeException failure;

  private MapItem(long index, O value, StockadeException failure) {
    this.index = index;
    this.value = value;
    this.failure = failure;
  }

  /**
   * An input's output.
   *
   * @param index the input's index, from 0
   * @param value its decoded output; may be null if the codec gives null
   * @param <O> the output type
   * @return a successful outcome
   */
  public static <O> MapItem<O> success(long index, O value) {
    return new MapItem<>(index, value, null);
  }

  /**
   * An input's failure.
   *
   * @param index the input's index, from 0
   * @param failure why it has no output
   * @param <O> the output type
   * @return a failed outcome
   */
  public static <O> MapItem<O> failure(long index, StockadeException failure) {
    return new MapItem<>(index, null, Objects.requireNonNull(failure, "failure"));
  }

  /**
   * Where the input stood among the inputs.
   *
   * @return its index, from 0
   */
  public long index() {
    return index;
  }

  /**
   * Whether the input has an output.
   *
   * @return true unless it failed
   */
  public boolean isSuccess() {
    return failure == null;
  }

  /**
   * The input's output.
   *
   * @return the decoded output
   * @throws IllegalStateException if the input failed; its cause is the failure
   */
  public O value() {
    if (failure != null) {
      throw new IllegalStateException("input " + index + " failed", failure);
    }
    return value;
  }

  /**
   * Why the input has no output.
   *
   * @return the failure, or empty if it succeeded
   */
  public Optional<StockadeException> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public String toString() {
    return failure == null
        ? "MapItem[" + index + ": " + value + "]"
        : "MapItem[" + index + " failed: " + failure.getMessage() + "]";
  }
}
