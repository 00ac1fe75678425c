package dev.stockade.examples.readme;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.micrometer.StockadeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A pool's meters in a Micrometer registry, through {@code stockade-micrometer}. */
public final class MetricsBinding {
  private MetricsBinding() {}

  /**
   * Runs one command and prints how many tasks the registry counts as completed.
   *
   * @param args none
   * @throws Exception if the command fails
   */
  public static void main(String[] args) throws Exception {
    System.out.println(completedTasks(new SimpleMeterRegistry()));
  }

  /**
   * Binds a pool to {@code meterRegistry}, runs one command, and reads the count back.
   *
   * @param meterRegistry where the meters go
   * @return {@code stockade.tasks.ended} with {@code outcome=completed}
   * @throws Exception if the command fails
   */
  public static double completedTasks(MeterRegistry meterRegistry) throws Exception {
    // spotless:off
    // README: begin
    try (CommandPool pool = CommandPool.builder().name("render").build();
            StockadeMetrics metrics = new StockadeMetrics(pool)) {    // dev.stockade.micrometer
        metrics.bindTo(meterRegistry);
        pool.run(Command.of("true")).get();
        return meterRegistry.get("stockade.tasks.ended")
                .tags("pool", "render", "outcome", "completed").functionCounter().count();
    }
    // README: end
    // spotless:on
  }
}
