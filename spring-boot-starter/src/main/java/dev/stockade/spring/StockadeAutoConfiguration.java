package dev.stockade.spring;

import dev.stockade.ProcessPool;
import dev.stockade.spring.internal.MetricsRegistrar;
import dev.stockade.spring.internal.PoolDeclarations;
import dev.stockade.spring.internal.PoolHealthIndicator;
import dev.stockade.spring.internal.PoolRegistrar;
import dev.stockade.spring.internal.PoolsDeclared;
import dev.stockade.spring.internal.PoolsLifecycle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Makes each pool declared under {@code stockade.pools.<name>} a bean, and looks after it. Active
 * when at least one pool is declared. It guarantees:
 *
 * <ul>
 *   <li>a bean named {@code <name>}: a {@code CommandPool} ({@code kind: command}) or a {@code
 *       WorkerPool<I, O>} ({@code kind: worker}, its types those of {@code input-codec} and {@code
 *       output-codec}), named {@code <name>} unless {@code name} is set, every other key passed to
 *       the builder's {@code settings(Map)}, then every {@link StockadePoolCustomizer} applied; a
 *       missing or unknown kind or codec, or a setting the builder refuses, fails the context's
 *       start with a message naming the property {@code stockade.pools.<name>.<key>};
 *   <li>no JVM shutdown hook of the library's for these pools: they are closed in Spring's
 *       shutdown, in a {@code SmartLifecycle} phase after the web server's graceful shutdown and
 *       stop, in parallel, each draining its tasks for up to {@code
 *       spring.lifecycle.timeout-per-shutdown-phase} less a margin (a tenth, at most 1 s) before
 *       ending what is left; {@code close()} when the bean is destroyed, as a last resort;
 *   <li>with Spring Boot's health module (Actuator) present, a health contributor {@code stockade}
 *       with a component per pool: the pool's {@code DOWN} is {@code DOWN}, its {@code UP} and
 *       {@code DEGRADED} are {@code UP}, the details giving the pool's own status, its problems and
 *       its counts;
 *   <li>with Micrometer and {@code stockade-micrometer} present and a {@code MeterRegistry} bean, a
 *       {@code StockadeMetrics} bean per pool (meters tagged {@code pool=<name>}), which Spring
 *       Boot binds to its registries.
 * </ul>
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
    })
@Conditional(PoolsDeclared.class)
public final class StockadeAutoConfiguration {
  /** The auto-configuration; Spring Boot creates it. */
  public StockadeAutoConfiguration() {}

  /**
   * Registers the pools' beans, read from the environment.
   *
   * @return the registrar
   */
  @Bean
  static PoolRegistrar stockadePoolRegistrar() {
    return new PoolRegistrar();
  }

  /**
   * Closes the pools in Spring's shutdown.
   *
   * @param beanFactory where the pools are
   * @param environment where they are declared, and the shutdown phase's timeout
   * @return the lifecycle
   */
  @Bean
  PoolsLifecycle stockadePoolsLifecycle(ListableBeanFactory beanFactory, Environment environment) {
    return new PoolsLifecycle(
        beanFactory,
        new ArrayList<>(PoolDeclarations.read(environment).keySet()),
        PoolDeclarations.shutdownPhaseTimeout(environment));
  }

  /** The health contributor, where Spring Boot's health module is. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static final class HealthConfiguration {
    /**
     * {@code stockade}: a component per pool, named as the pool's bean.
     *
     * @param beanFactory where the pools are
     * @param environment where they are declared
     * @return the contributor
     */
    @Bean
    CompositeHealthContributor stockadeHealthContributor(
        ListableBeanFactory beanFactory, Environment environment) {
      Map<String, HealthIndicator> indicators = new LinkedHashMap<>();
      for (String pool : PoolDeclarations.read(environment).keySet()) {
        indicators.put(
            pool, new PoolHealthIndicator(() -> beanFactory.getBean(pool, ProcessPool.class)));
      }
      return CompositeHealthContributor.fromMap(indicators);
    }
  }

  /** The metrics binders, where Micrometer and a registry are. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {
        "io.micrometer.core.instrument.MeterRegistry",
        "dev.stockade.micrometer.StockadeMetrics"
      })
  @ConditionalOnBean(type = "io.micrometer.core.instrument.MeterRegistry")
  static final class MetricsConfiguration {
    /**
     * Registers a {@code StockadeMetrics} per pool.
     *
     * @return the registrar
     */
    @Bean
    static MetricsRegistrar stockadeMetricsRegistrar() {
      return new MetricsRegistrar();
    }
  }
}
