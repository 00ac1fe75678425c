package dev.stockade.internal.bulk;

import dev.stockade.MapFailedException;
import dev.stockade.MapItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** The two shapes of a bulk call over a {@link MapRun}: outputs in order, and a stream. */
public final class BulkCalls {
  private BulkCalls() {}

  /**
   * Every output, in the order of the inputs.
   *
   * @throws MapFailedException at the first failure, or at the end listing every failure when
   *     failures are collected
   */
  public static <O> List<O> ordered(MapRun<?, O> run) throws InterruptedException {
    Object[] outputs = new Object[16];
    List<MapItem<?>> outcomes = new ArrayList<>();
    boolean collect = run.collectsFailures();
    long count = 0;
    MapItem<O> item;
    while ((item = run.next()) != null) {
      long index = item.index();
      if (index >= outputs.length) {
        outputs = Arrays.copyOf(outputs, (int) Math.min(Integer.MAX_VALUE - 8, 2 * (index + 1)));
      }
      outputs[(int) index] = collect ? item : item.value();
      count++;
    }
    if (collect) {
      List<MapItem<?>> failures = run.failures();
      if (!failures.isEmpty()) {
        for (int i = 0; i < count; i++) {
          outcomes.add((MapItem<?>) outputs[i]);
        }
        throw new MapFailedException(run.label(), failures, outcomes);
      }
      List<O> values = new ArrayList<>((int) count);
      for (int i = 0; i < count; i++) {
        @SuppressWarnings("unchecked") // every slot holds a MapItem<O> when failures are collected
        MapItem<O> outcome = (MapItem<O>) outputs[i];
        values.add(outcome.value());
      }
      return values;
    }
    @SuppressWarnings("unchecked") // every slot holds an output the output codec decoded
    List<O> values = (List<O>) (List<?>) Arrays.asList(Arrays.copyOf(outputs, (int) count));
    return values;
  }

  /** A lazy stream of the outcomes as they come; closing it cancels the rest of the call. */
  public static <O> Stream<MapItem<O>> unordered(MapRun<?, O> run, Runnable closeSource) {
    Spliterator<MapItem<O>> outcomes =
        new Spliterators.AbstractSpliterator<>(
            Long.MAX_VALUE, Spliterator.NONNULL | Spliterator.DISTINCT) {
          @Override
          public boolean tryAdvance(Consumer<? super MapItem<O>> action) {
            MapItem<O> item;
            try {
              item = run.next();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              CancellationException cancelled =
                  new CancellationException(
                      "interrupted while waiting for outcomes of '" + run.label() + "'");
              cancelled.initCause(e);
              throw cancelled;
            }
            if (item == null) {
              return false;
            }
            action.accept(item);
            return true;
          }
        };
    return StreamSupport.stream(outcomes, false)
        .onClose(
            () -> {
              try {
                run.cancel();
              } finally {
                closeSource.run();
              }
            });
  }
}
