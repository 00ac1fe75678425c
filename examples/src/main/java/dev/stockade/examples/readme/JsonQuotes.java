package dev.stockade.examples.readme;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stockade.JacksonCodec;
import dev.stockade.WorkerPool;
import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;

/**
 * A JVM worker: a {@link Handler} that runs in a JVM of its own, with JSON both ways through {@link
 * JacksonCodec} on the pool's side and Jackson in the handler.
 */
public final class JsonQuotes {
  private JsonQuotes() {}

  /**
   * What a caller asks for.
   *
   * @param item what
   * @param quantity how many
   */
  public record Order(String item, int quantity) {}

  /**
   * What the worker answers.
   *
   * @param item what
   * @param quantity how many
   * @param cents the price of them all
   */
  public record Quote(String item, int quantity, long cents) {}

  // spotless:off
  // README: begin
  /** Runs in each worker's JVM: one instance per worker process, one task at a time. */
  public static final class QuoteHandler implements Handler {
      private final ObjectMapper json = new ObjectMapper();

      @Override
      public byte[] handle(byte[] input, TaskContext context) throws Exception {
          Order order = json.readValue(input, Order.class);
          Quote quote = new Quote(order.item(), order.quantity(), 250L * order.quantity());
          return json.writeValueAsBytes(quote);
      }
  }

  /**
   * The price of {@code order}, from a pool of two JVM workers.
   *
   * @param order what to price
   * @return the worker's quote
   * @throws Exception if the task fails
   */
  public static Quote price(Order order) throws Exception {
      ObjectMapper json = new ObjectMapper();
      try (WorkerPool<Order, Quote> pool = WorkerPool.builder(
                  JacksonCodec.of(json, Order.class), JacksonCodec.of(json, Quote.class))
              .jvmWorker(QuoteHandler.class)        // a JVM of its own, started with this classpath
              .workers(2)
              .build()) {
          return pool.submit(order).get();
      }
  }
  // README: end
  // spotless:on

  /**
   * Prints the quote for four widgets.
   *
   * @param args none
   * @throws Exception if the task fails
   */
  public static void main(String[] args) throws Exception {
    System.out.println(price(new Order("widget", 4)));
  }
}
