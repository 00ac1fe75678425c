package dev.stockade.spring;

import dev.stockade.PoolBuilder;

/**
 * Sets on a pool declared under {@code stockade.pools.<name>} what text cannot hold: a {@link
 * dev.stockade.PoolListener}, a {@link dev.stockade.HealthCheck}, a worker's {@link
 * dev.stockade.Command}, a callback executor. Every bean of this type is applied to every pool the
 * starter builds, after the pool's properties and before {@code build()}, in {@link
 * org.springframework.core.annotation.Order @Order}; a builder's setting may be set once, so a
 * customizer that sets one the properties already set fails the context's start with the builder's
 * message.
 *
 * <pre>{@code
 * @Bean
 * StockadePoolCustomizer renderListener(MyListener listener) {
 *   return (name, builder) -> {
 *     if (name.equals("render")) {
 *       builder.listener(listener);
 *     }
 *   };
 * }
 * }</pre>
 */
@FunctionalInterface
public interface StockadePoolCustomizer {
  /**
   * Customizes one pool's builder. A {@code CommandPool}'s builder is a {@link
   * dev.stockade.CommandPoolBuilder}, a {@code WorkerPool}'s a {@link
   * dev.stockade.WorkerPoolBuilder}.
   *
   * @param poolName the pool's name under {@code stockade.pools}, which is also its bean's name
   * @param builder the pool's builder, its properties applied
   */
  void customize(String poolName, PoolBuilder<?> builder);
}
