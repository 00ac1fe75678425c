package dev.stockade.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.stockade.Codec;
import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandResult;
import dev.stockade.WorkerPool;
import dev.stockade.junit.NoLeftoverProcesses;
import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The binder's meters, read from a {@link SimpleMeterRegistry} bound to real pools. */
@ExtendWith(NoLeftoverProcesses.class)
class StockadeMetricsTest {
  private final MeterRegistry registry = new SimpleMeterRegistry();

  /** A JVM worker's handler: echoes, or halts its JVM on "halt". */
  public static final class EchoOrHalt implements Handler {
    @Override
    public byte[] handle(byte[] input, TaskContext context) {
      if (new String(input, StandardCharsets.UTF_8).equals("halt")) {
        Runtime.getRuntime().halt(3);
      }
      return input;
    }
  }

  private double counter(String name, String pool, String key, String value) {
    return registry.get(name).tag("pool", pool).tag(key, value).functionCounter().count();
  }

  private double gauge(String name, String pool) {
    return registry.get(name).tag("pool", pool).gauge().value();
  }

  @Test
  void countsEachTaskByOutcomeByTheTimeItsFutureCompletes() throws Exception {
    try (CommandPool pool =
            CommandPool.builder()
                .name("metered")
                .workers(1)
                .failOnNonZeroExit(true)
                .shutdownHook(false)
                .build();
        StockadeMetrics metrics = new StockadeMetrics(pool, Tags.of("app", "test"))) {
      metrics.bindTo(registry);
      pool.run(Command.of("true")).get(10, TimeUnit.SECONDS);
      // Read at once, with no wait: the count is in before the future completes.
      assertThat(counter("stockade.tasks.ended", "metered", "outcome", "completed")).isEqualTo(1);

      Throwable failed =
          catchThrowable(
              () -> pool.run(Command.of("sh", "-c", "exit 3")).get(10, TimeUnit.SECONDS));
      assertThat(failed).isInstanceOf(ExecutionException.class);
      assertThat(counter("stockade.tasks.ended", "metered", "outcome", "failed")).isEqualTo(1);

      FunctionTimer run =
          registry
              .get("stockade.tasks.run")
              .tags("outcome", "completed", "app", "test")
              .functionTimer();
      assertThat(run.count()).isEqualTo(1);
      assertThat(run.totalTime(TimeUnit.NANOSECONDS)).isPositive();
      assertThat(registry.get("stockade.tasks.wait").functionTimer().count()).isEqualTo(2);
      assertThat(registry.get("stockade.workers.started").functionCounter().count()).isEqualTo(2);
      assertThat(counter("stockade.workers.ended", "metered", "reason", "exited")).isEqualTo(2);
    }
  }

  @Test
  void countsARefusalAsATaskEndedWithOutcomeRefused() throws Exception {
    String marker = uniqueSleep();
    try (CommandPool pool =
            CommandPool.builder()
                .name("full")
                .workers(1)
                .queueCapacity(0)
                .terminationGrace(Duration.ZERO)
                .shutdownHook(false)
                .build();
        StockadeMetrics metrics = new StockadeMetrics(pool)) {
      metrics.bindTo(registry);
      var unused = pool.run(Command.of("sleep", marker));
      CompletableFuture<CommandResult> refused = pool.run(Command.of("sleep", marker));
      assertThat(refused).isCompletedExceptionally();
      assertThat(counter("stockade.tasks.ended", "full", "outcome", "refused")).isEqualTo(1);
    }
  }

  @Test
  void gaugesTheLiveTreesByStateTheQueueAndTheirMemory() throws Exception {
    String marker = uniqueSleep();
    try (CommandPool pool =
            CommandPool.builder()
                .name("gauged")
                .workers(1)
                .queueCapacity(5)
                .sampleInterval(Duration.ofMillis(50))
                .terminationGrace(Duration.ZERO)
                .shutdownHook(false)
                .build();
        StockadeMetrics metrics = new StockadeMetrics(pool)) {
      metrics.bindTo(registry);
      CompletableFuture<CommandResult> running = pool.run(Command.of("sleep", marker));
      CompletableFuture<CommandResult> queued = pool.run(Command.of("sleep", marker));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(
                        registry
                            .get("stockade.workers")
                            .tags("pool", "gauged", "state", "busy")
                            .gauge()
                            .value())
                    .isEqualTo(1);
                assertThat(gauge("stockade.memory.used", "gauged")).isPositive();
              });
      assertThat(gauge("stockade.tasks.queued", "gauged")).isEqualTo(1);
      assertThat(gauge("stockade.tasks.queue.capacity", "gauged")).isEqualTo(5);
      assertThat(gauge("stockade.workers.max", "gauged")).isEqualTo(1);
      assertThat(gauge("stockade.memory.budget.limit", "gauged")).isPositive();
      assertThat(registry.get("stockade.memory.used").gauge().getId().getBaseUnit())
          .isEqualTo("bytes");
      queued.cancel(true);
      running.cancel(true);
    }
  }

  @Test
  void showsAWorkerPoolsBreakerAndCountsACrashedWorkerAsAnEndForExited() throws Exception {
    try (WorkerPool<String, String> pool =
            WorkerPool.builder(Codec.utf8(), Codec.utf8())
                .name("workers")
                .jvmWorker(EchoOrHalt.class)
                .workers(1)
                .shutdownHook(false)
                .build();
        StockadeMetrics metrics = new StockadeMetrics(pool)) {
      metrics.bindTo(registry);
      assertThat(pool.submit("hi").get(30, TimeUnit.SECONDS)).isEqualTo("hi");
      assertThat(registry.get("stockade.breaker.state").tag("state", "closed").gauge().value())
          .isEqualTo(1);
      assertThat(registry.get("stockade.breaker.state").tag("state", "open").gauge().value())
          .isZero();

      Throwable crashed = catchThrowable(() -> pool.submit("halt").get(30, TimeUnit.SECONDS));
      assertThat(crashed).isInstanceOf(ExecutionException.class);
      assertThat(counter("stockade.tasks.ended", "workers", "outcome", "aborted")).isEqualTo(1);
      assertThat(counter("stockade.workers.ended", "workers", "reason", "exited")).isEqualTo(1);
    }
  }

  @Test
  void aCommandPoolHasNoBreakerMeter() {
    try (CommandPool pool = CommandPool.builder().name("plain").shutdownHook(false).build();
        StockadeMetrics metrics = new StockadeMetrics(pool)) {
      metrics.bindTo(registry);
      assertThat(registry.find("stockade.breaker.state").meters()).isEmpty();
      assertThat(registry.find("stockade.tasks.ended").meters()).isNotEmpty();
    }
  }

  @Test
  void tellsTwoPoolsInOneRegistryApartByThePoolTag() throws Exception {
    try (CommandPool a = CommandPool.builder().name("a").shutdownHook(false).build();
        CommandPool b = CommandPool.builder().name("b").shutdownHook(false).build();
        StockadeMetrics metricsA = new StockadeMetrics(a);
        StockadeMetrics metricsB = new StockadeMetrics(b)) {
      metricsA.bindTo(registry);
      metricsB.bindTo(registry);
      a.run(Command.of("true")).get(10, TimeUnit.SECONDS);
      assertThat(counter("stockade.tasks.ended", "a", "outcome", "completed")).isEqualTo(1);
      assertThat(counter("stockade.tasks.ended", "b", "outcome", "completed")).isZero();
    }
  }

  @Test
  void closeRemovesTheMetersItRegistered() {
    try (CommandPool pool = CommandPool.builder().name("gone").shutdownHook(false).build()) {
      StockadeMetrics metrics = new StockadeMetrics(pool);
      metrics.bindTo(registry);
      assertThat(registry.getMeters()).isNotEmpty();
      metrics.close();
      assertThat(registry.getMeters()).isEmpty();
    }
  }

  /** A sleep whose length no other test uses, so a leftover would be told apart. */
  private static String uniqueSleep() {
    return "3" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1000) + ".5";
  }
}
