package dev.stockade;

import java.util.List;

/**
 * A bulk call of a {@link WorkerPool} failed: at its first failure, or, with {@link
 * MapOptions#withCollectFailures}, after every input ran and some failed. It names each failed
 * input by its index; its cause is the first one's exception ({@link TaskFailedException} when the
 * handler raised, or the typed exception of a worker that crashed, timed out or was ended).
 */
public final class MapFailedException extends StockadeException {
  private final transient List<MapItem<?>> failures;
  private final transient List<MapItem<?>> outcomes;

  /**
   * An exception for a bulk call that failed.
   *
   * @param label the label of its inputs
   * @param failures the failed inputs, in the order of their indexes; at least one
   * @param outcomes every input's outcome in order when failures were collected, else empty
   */
  public MapFailedException(String label, List<MapItem<?>> failures, List<MapItem<?>> outcomes) {
    super(messageOf(label, failures), failures.get(0).failure().orElseThrow());
    this.failures = List.copyOf(failures);
    this.outcomes = List.copyOf(outcomes);
  }

  private static String messageOf(String label, List<MapItem<?>> failures) {
    MapItem<?> first = failures.get(0);
    String cause = first.failure().orElseThrow().getMessage();
    return failures.size() == 1
        ? "input " + first.index() + " of '" + label + "' failed: " + cause
        : failures.size()
            + " inputs of '"
            + label
            + "' failed; the first, input "
            + first.index()
            + ": "
            + cause;
  }

  /**
   * The failed inputs, in the order of their indexes: one when the first failure ended the call.
   *
   * @return each failed input with its failure
   */
  public List<MapItem<?>> failures() {
    return failures;
  }

  /**
   * Every input's outcome, in order, when failures were collected; empty when the first failure
   * ended the call.
   *
   * @return the outcomes of all inputs, or an empty list
   */
  public List<MapItem<?>> outcomes() {
    return outcomes;
  }

  /**
   * The index of the first failed input.
   *
   * @return its index, from 0
   */
  public long firstFailedIndex() {
    return failures.get(0).index();
  }
}
