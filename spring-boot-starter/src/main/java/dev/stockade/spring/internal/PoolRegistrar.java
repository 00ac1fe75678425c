package dev.stockade.spring.internal;

import dev.stockade.ProcessPool;
import java.util.Map;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Registers a bean named {@code <name>} for each pool declared under {@code stockade.pools.<name>},
 * of type {@code CommandPool} or {@code WorkerPool<I, O>} (its generics set, so a {@code
 * WorkerPool<String, String>} can be injected by type), built when the context creates it and
 * closed ({@code close()}) when the context destroys it, as a last resort after {@link
 * PoolsLifecycle} drained it.
 */
public final class PoolRegistrar
    implements BeanDefinitionRegistryPostProcessor,
        EnvironmentAware,
        BeanFactoryAware,
        BeanClassLoaderAware {
  private Environment environment;
  private ListableBeanFactory beanFactory;
  private ClassLoader classLoader;

  /** A registrar; Spring gives it the environment, bean factory and class loader. */
  public PoolRegistrar() {}

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = (ListableBeanFactory) beanFactory;
  }

  @Override
  public void setBeanClassLoader(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  @Override
  public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry)
      throws BeansException {
    for (Map.Entry<String, Map<String, String>> pool :
        PoolDeclarations.read(environment).entrySet()) {
      PoolSpec spec = PoolSpec.of(pool.getKey(), pool.getValue(), classLoader);
      RootBeanDefinition definition = new RootBeanDefinition(ProcessPool.class);
      definition.setTargetType(spec.type());
      definition.setInstanceSupplier(() -> spec.build(beanFactory));
      definition.setDestroyMethodName("close");
      registry.registerBeanDefinition(pool.getKey(), definition);
    }
  }
}
