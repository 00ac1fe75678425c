package dev.stockade.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandPoolBuilder;
import dev.stockade.CommandResult;
import dev.stockade.MemoryLimitExceededException;
import dev.stockade.MemorySize;
import dev.stockade.PoolBuilder;
import dev.stockade.ProcessPool;
import dev.stockade.WorkerPool;
import dev.stockade.junit.NoLeftoverProcesses;
import dev.stockade.micrometer.StockadeMetrics;
import dev.stockade.spring.internal.PoolConfigurationFailureAnalyzer;
import dev.stockade.spring.internal.PoolsLifecycle;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** What the starter makes of {@code stockade.pools.*}, one behaviour per test. */
@ExtendWith(NoLeftoverProcesses.class)
class StockadeAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(StockadeAutoConfiguration.class));

  private static final String SHELL = "stockade.pools.shell.";

  /**
   * The failure that stopped the context's start, as the application sees it: the deepest in the
   * chain that names a {@code stockade.pools} property.
   */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertStartFailure(
      AssertableApplicationContext context) {
    Throwable failure = context.getStartupFailure();
    assertThat(failure).as("the context's start failed").isNotNull();
    Throwable ours = failure;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("stockade.pools.")) {
        ours = t;
      }
    }
    return assertThat(ours);
  }

  @Test
  void aCommandPoolInThePropertiesIsABeanOfItsNameWithItsSettings() {
    runner
        .withPropertyValues(
            SHELL + "kind=command",
            SHELL + "workers=3",
            SHELL + "queue-capacity=7",
            SHELL + "memory-limit=64MB",
            SHELL + "sample-interval=50ms",
            SHELL + "task-timeout=30s")
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(CommandPool.class);
              CommandPool pool = context.getBean("shell", CommandPool.class);
              assertThat(pool.name()).isEqualTo("shell");
              assertThat(pool.snapshot().maxWorkers()).isEqualTo(3);
              assertThat(pool.snapshot().queueCapacity()).isEqualTo(7);
              // The limit, read back from the failure of a tree that crossed it.
              ExecutionException e =
                  assertThrows(
                      ExecutionException.class,
                      () ->
                          pool.run(
                                  Command.of(
                                      "sh",
                                      "-c",
                                      "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"))
                              .get(60, TimeUnit.SECONDS));
              assertThat(e.getCause())
                  .isInstanceOfSatisfying(
                      MemoryLimitExceededException.class,
                      m -> assertThat(m.limit()).isEqualTo(MemorySize.ofMebibytes(64)));
            });
  }

  @Test
  void aWorkerPoolIsInjectableByItsGenericType() {
    runner
        .withPropertyValues(
            "stockade.pools.echo.kind=worker",
            "stockade.pools.echo.workers=1",
            "stockade.pools.echo.jvm-worker=" + Echo.class.getName(),
            "stockade.pools.raw.kind=worker",
            "stockade.pools.raw.workers=1",
            "stockade.pools.raw.input-codec=bytes",
            "stockade.pools.raw.output-codec=text",
            "stockade.pools.raw.jvm-worker=" + Echo.class.getName())
        .withUserConfiguration(NeedsTextWorkers.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              NeedsTextWorkers user = context.getBean(NeedsTextWorkers.class);
              assertThat(user.pool.name()).isEqualTo("echo");
              assertThat(user.pool.submit("hello").get(60, TimeUnit.SECONDS)).isEqualTo("hello");
              assertThat(
                      context
                          .getBeanProvider(
                              ResolvableType.forClassWithGenerics(
                                  WorkerPool.class, byte[].class, String.class))
                          .stream()
                          .map(p -> ((ProcessPool) p).name()))
                  .containsExactly("raw");
            });
  }

  /** Takes the text worker pool by its type alone. */
  @Configuration(proxyBeanMethods = false)
  static class NeedsTextWorkers {
    final WorkerPool<String, String> pool;

    NeedsTextWorkers(WorkerPool<String, String> pool) {
      this.pool = pool;
    }
  }

  @Test
  void aJsonCodecCarriesTheClassItNames() {
    runner
        .withPropertyValues(
            "stockade.pools.pages.kind=worker",
            "stockade.pools.pages.workers=1",
            "stockade.pools.pages.input-codec=json:" + Page.class.getName(),
            "stockade.pools.pages.output-codec=json:" + Page.class.getName(),
            "stockade.pools.pages.jvm-worker=" + Echo.class.getName())
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              @SuppressWarnings("unchecked")
              WorkerPool<Page, Page> pool =
                  (WorkerPool<Page, Page>)
                      context
                          .getBeanProvider(
                              ResolvableType.forClassWithGenerics(
                                  WorkerPool.class, Page.class, Page.class))
                          .getObject();
              assertThat(pool.submit(new Page("home", 800)).get(60, TimeUnit.SECONDS))
                  .isEqualTo(new Page("home", 800));
            });
  }

  @Test
  void aSettingIsFoundInCamelCaseAndAsAnEnvironmentVariable() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "queueCapacity=5")
        .withInitializer(
            context ->
                context
                    .getEnvironment()
                    .getPropertySources()
                    .addFirst(
                        new SystemEnvironmentPropertySource(
                            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                            Map.of(
                                "STOCKADE_POOLS_SHELL_MAX_PROCESSES",
                                "64",
                                "STOCKADE_POOLS_SHELL_WORKERS",
                                "2"))))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              CommandPool pool = context.getBean("shell", CommandPool.class);
              assertThat(pool.snapshot().queueCapacity()).isEqualTo(5);
              assertThat(pool.snapshot().maxWorkers()).isEqualTo(2);
              // MAX_PROCESSES, bound as max.processes, was taken as maxProcesses (an unknown
              // setting would have failed the start).
            });
  }

  @Test
  void aSettingOfTheWrongTypeFailsTheStartNamingThePropertyTheValueAndWhatIsAllowed() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "memory-limit=lots")
        .run(
            context ->
                assertStartFailure(context)
                    .hasMessageContaining("stockade.pools.shell.memory-limit")
                    .hasMessageContaining("'lots'")
                    .hasMessageContaining("such as 512MiB"));
  }

  @Test
  void aSettingOutOfRangeFailsTheStartNamingThePropertyTheValueAndWhatIsAllowed() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=0")
        .run(
            context ->
                assertStartFailure(context)
                    .hasMessageContaining("stockade.pools.shell.workers")
                    .hasMessageContaining("but was 0")
                    .hasMessageContaining("4096"));
  }

  @Test
  void bootsFailureReportNamesThePropertyToFix() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=0")
        .run(
            context -> {
              FailureAnalysis analysis =
                  new PoolConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
              assertThat(analysis).isNotNull();
              assertThat(analysis.getDescription())
                  .contains("stockade.pools.shell.workers")
                  .contains("but was 0");
              assertThat(analysis.getAction()).startsWith("Fix stockade.pools.shell.workers ");
            });
  }

  @Test
  void aBareNumberAsADurationFailsTheStart() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "task-timeout=30000")
        .run(
            context ->
                assertStartFailure(context)
                    .hasMessageContaining("stockade.pools.shell.task-timeout")
                    .hasMessageContaining("30000")
                    .hasMessageContaining("a whole number and a unit"));
  }

  @Test
  void anUnknownSettingFailsTheStartNamingIt() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "wrokers=2")
        .run(
            context ->
                assertStartFailure(context)
                    .hasMessageContaining("stockade.pools.shell.wrokers")
                    .hasMessageContaining("workers"));
  }

  @Test
  void aMissingKindFailsTheStartNamingThePropertyAndWhatIsAllowed() {
    runner
        .withPropertyValues(SHELL + "workers=2")
        .run(
            context ->
                assertStartFailure(context)
                    .hasMessageContaining("stockade.pools.shell.kind")
                    .hasMessageContaining("'command'")
                    .hasMessageContaining("'worker'")
                    .hasMessageContaining("is not set"));
  }

  @Test
  void anUnknownKindFailsTheStartNamingThePropertyTheValueAndWhatIsAllowed() {
    runner
        .withPropertyValues(SHELL + "kind=shell")
        .run(
            context ->
                assertStartFailure(context)
                    .hasMessageContaining("stockade.pools.shell.kind")
                    .hasMessageContaining("but was 'shell'")
                    .hasMessageContaining("'command'")
                    .hasMessageContaining("'worker'"));
  }

  @Test
  void anUnknownCodecFailsTheStartNamingThePropertyTheValueAndWhatIsAllowed() {
    runner
        .withPropertyValues("stockade.pools.w.kind=worker", "stockade.pools.w.input-codec=xml")
        .run(
            context ->
                assertStartFailure(context)
                    .hasMessageContaining("stockade.pools.w.input-codec")
                    .hasMessageContaining("'xml'")
                    .hasMessageContaining("'text'"));
  }

  @Test
  void theShutdownHookCannotBeTurnedBackOn() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "shutdown-hook=true")
        .run(
            context ->
                assertStartFailure(context)
                    .hasMessageContaining("stockade.pools.shell.shutdown-hook"));
  }

  @Test
  void withoutPoolsNothingIsConfigured() {
    runner.run(
        context ->
            assertThat(context)
                .hasNotFailed()
                .doesNotHaveBean(ProcessPool.class)
                .doesNotHaveBean(PoolsLifecycle.class));
  }

  @Test
  void aHealthContributorNamesEachPoolWhenActuatorsHealthIsPresent() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=1")
        .run(
            context -> {
              CompositeHealthContributor stockade =
                  context.getBean("stockadeHealthContributor", CompositeHealthContributor.class);
              Health health = ((HealthIndicator) stockade.getContributor("shell")).health();
              assertThat(health.getStatus()).isEqualTo(Status.UP);
              assertThat(health.getDetails())
                  .containsEntry("status", "UP")
                  .containsEntry("problems", Map.of())
                  .containsEntry("maxWorkers", 1)
                  .containsEntry("activeWorkers", 0);

              context.getBean("shell", CommandPool.class).close();
              Health closed = ((HealthIndicator) stockade.getContributor("shell")).health();
              assertThat(closed.getStatus()).isEqualTo(Status.DOWN);
              assertThat(closed.getDetails()).containsEntry("status", "DOWN");
              assertThat(closed.getDetails().get("problems"))
                  .asInstanceOf(InstanceOfAssertFactories.MAP)
                  .containsKey("CLOSED");
            });
  }

  @Test
  void aSaturatedPoolIsUpWithItsProblemInTheDetails() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=1", SHELL + "queue-capacity=0")
        .run(
            context -> {
              CommandPool pool = context.getBean("shell", CommandPool.class);
              CompletableFuture<CommandResult> running = pool.run(Command.of("sleep", "2"));
              HealthIndicator indicator =
                  (HealthIndicator)
                      context
                          .getBean("stockadeHealthContributor", CompositeHealthContributor.class)
                          .getContributor("shell");
              await()
                  .atMost(Duration.ofSeconds(10))
                  .untilAsserted(
                      () -> {
                        Health health = indicator.health();
                        assertThat(health.getStatus()).isEqualTo(Status.UP);
                        assertThat(health.getDetails()).containsEntry("status", "DEGRADED");
                        assertThat(health.getDetails().get("problems"))
                            .asInstanceOf(InstanceOfAssertFactories.MAP)
                            .containsKey("SATURATED");
                      });
              running.get(30, TimeUnit.SECONDS);
            });
  }

  @Test
  void noHealthContributorWithoutActuatorsHealth() {
    runner
        .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=1")
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .hasBean("shell")
                    .doesNotHaveBean("stockadeHealthContributor"));
  }

  @Test
  void metricsAreBoundWhenAMeterRegistryExists() {
    runner
        .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
        .withBean(SimpleMeterRegistry.class)
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=1")
        .run(
            context -> {
              assertThat(context).hasSingleBean(StockadeMetrics.class);
              context.getBean("shell", CommandPool.class).run(Command.of("true")).get();
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertThat(
                      registry
                          .get("stockade.tasks.ended")
                          .tags("pool", "shell", "outcome", "completed")
                          .functionCounter()
                          .count())
                  .isEqualTo(1.0);
            });
  }

  @Test
  void noMetricsWithoutAMeterRegistry() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=1")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(StockadeMetrics.class));
  }

  @Test
  void noMetricsWithoutStockadeMicrometerEvenWithARegistry() {
    runner
        .withClassLoader(new FilteredClassLoader(StockadeMetrics.class))
        .withBean(SimpleMeterRegistry.class)
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=1")
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .hasBean("shell")
                    .doesNotHaveBean(StockadeMetrics.class));
  }

  @Test
  void closingTheContextDrainsARunningTaskThenClosesThePool() throws Exception {
    List<CompletableFuture<CommandResult>> task = new ArrayList<>();
    List<ProcessPool> pools = new ArrayList<>();
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=1")
        .run(
            context -> {
              CommandPool pool = context.getBean("shell", CommandPool.class);
              pools.add(pool);
              task.add(pool.run(Command.of("sh", "-c", "sleep 2; echo finished")));
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> pool.snapshot().activeWorkers() == 1);
            });
    // The runner closed the context: the task finished with its result, and the pool is closed.
    assertThat(task.get(0)).isCompleted();
    assertThat(task.get(0).get().stdout().text()).isEqualTo("finished\n");
    assertThat(pools.get(0).isTerminated()).isTrue();
  }

  @Test
  void theDrainLeavesAMarginInsideSpringsShutdownPhase() {
    runner
        .withPropertyValues(
            SHELL + "kind=command", "spring.lifecycle.timeout-per-shutdown-phase=20s")
        .run(
            context ->
                assertThat(context.getBean(PoolsLifecycle.class).drainTimeout())
                    .isEqualTo(Duration.ofSeconds(19)));
  }

  @Test
  void thePoolsStopAfterTheWebServerAndItsGracefulShutdown() {
    assertThat(PoolsLifecycle.PHASE)
        .isLessThan(WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE)
        .isLessThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE);
  }

  @Test
  void theManagedPoolRegistersNoJvmShutdownHook() {
    runner
        .withPropertyValues(SHELL + "kind=command", SHELL + "workers=1")
        .run(
            context -> {
              CommandPool pool = context.getBean("shell", CommandPool.class);
              assertThat(ShutdownHooks.registeredFor(pool)).isEmpty();
              // The witness sees the hook of a pool built outside the starter.
              try (CommandPool unmanaged = CommandPool.builder().name("unmanaged").build()) {
                assertThat(ShutdownHooks.registeredFor(unmanaged))
                    .containsExactly("stockade-unmanaged-shutdown");
              }
            });
  }

  @Test
  void everyCustomizerIsAppliedToEveryPoolInOrder() {
    runner
        .withPropertyValues(
            SHELL + "kind=command", SHELL + "workers=1", "stockade.pools.other.kind=command")
        .withUserConfiguration(Customizers.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(Customizers.class).seen)
                  .containsExactly("first shell", "second shell", "first other", "second other");
              assertThat(context.getBean("shell", CommandPool.class).snapshot().queueCapacity())
                  .isEqualTo(3);
            });
  }

  /** Two customizers, the second declared first, that record what they saw. */
  @Configuration(proxyBeanMethods = false)
  static class Customizers {
    final List<String> seen = new ArrayList<>();

    @Bean
    @Order(2)
    StockadePoolCustomizer second() {
      return (name, builder) -> seen.add("second " + name);
    }

    @Bean
    @Order(1)
    StockadePoolCustomizer first() {
      return (name, builder) -> {
        seen.add("first " + name);
        assertThat(builder).isInstanceOf(CommandPoolBuilder.class);
        PoolBuilder<?> b = builder;
        b.queueCapacity(3);
      };
    }
  }
}
