package dev.stockade.spring.internal;

import dev.stockade.ProcessPool;
import dev.stockade.micrometer.StockadeMetrics;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Registers a {@link StockadeMetrics} bean for each pool declared under {@code stockade.pools},
 * named {@code <name>StockadeMetrics}; Spring Boot binds every {@code MeterBinder} bean to its
 * meter registries. {@code StockadeMetrics} tags every meter {@code pool=<the pool's name>} itself.
 */
public final class MetricsRegistrar
    implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, BeanFactoryAware {
  /** The suffix of each binder's bean name. */
  public static final String SUFFIX = "StockadeMetrics";

  private Environment environment;
  private BeanFactory beanFactory;

  /** A registrar; Spring gives it the environment and bean factory. */
  public MetricsRegistrar() {}

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry)
      throws BeansException {
    for (String pool : PoolDeclarations.read(environment).keySet()) {
      RootBeanDefinition definition =
          new RootBeanDefinition(
              StockadeMetrics.class,
              () -> new StockadeMetrics(beanFactory.getBean(pool, ProcessPool.class)));
      definition.setDependsOn(pool);
      definition.setDestroyMethodName("close");
      registry.registerBeanDefinition(pool + SUFFIX, definition);
    }
  }
}
