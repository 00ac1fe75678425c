package dev.stockade.examples.readme;

import dev.stockade.Codec;
import dev.stockade.MapItem;
import dev.stockade.MapOptions;
import dev.stockade.WorkerPool;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The bulk calls: {@code map} for a list whose answers come back in order, {@code mapUnordered} for
 * a stream of any size whose answers come as they are ready, a bounded number in flight.
 */
public final class BulkTitles {
  private final Map<Long, MapItem<String>> stored = new ConcurrentHashMap<>();

  /** A run with nothing stored yet. */
  public BulkTitles() {}

  /**
   * Prints the titles of three pages in order, and how many of 1,000 more came back.
   *
   * @param args the {@code examples} directory, optionally
   * @throws Exception if a task fails
   */
  public static void main(String[] args) throws Exception {
    Path examples = Path.of(args.length > 0 ? args[0] : "examples");
    BulkTitles run = new BulkTitles();
    List<String> pages =
        List.of("<title>one</title>", "<title>two</title>", "<title>three</title>");
    System.out.println(run.titles(examples, pages, 1_000));
    System.out.println(run.stored().size() + " more stored");
  }

  /**
   * The titles of {@code pages}, in order; and the titles of {@code more} generated pages, stored
   * by index as they come ({@link #stored()}).
   *
   * @param examples the {@code examples} directory
   * @param pages the pages whose titles are returned
   * @param more how many generated pages to store the titles of
   * @return the titles of {@code pages}, in their order
   * @throws Exception if a task of {@code pages} fails
   */
  public List<String> titles(Path examples, List<String> pages, int more) throws Exception {
    Stream<String> hugeStream = IntStream.range(0, more).mapToObj(i -> "<title>" + i + "</title>");
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .pythonWorker(examples.resolve("python/title_worker.py"))
            .workers(2)
            .build()) {
      // spotless:off
      // README: begin
      List<String> titles = pool.map(pages);                     // in order; blocks

      try (Stream<MapItem<String>> done = pool.mapUnordered(hugeStream,
              MapOptions.defaults().withMaxInFlight(10_000).withCollectFailures(true))) {
          done.forEach(item -> store(item.index(), item));       // as they come
      }
      // README: end
      // spotless:on
      return titles;
    }
  }

  private void store(long index, MapItem<String> item) {
    stored.put(index, item);
  }

  /**
   * The titles {@code mapUnordered} gave, by the index of their page.
   *
   * @return the stored items
   */
  public Map<Long, MapItem<String>> stored() {
    return stored;
  }
}
