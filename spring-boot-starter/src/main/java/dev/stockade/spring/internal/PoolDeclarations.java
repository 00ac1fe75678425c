package dev.stockade.spring.internal;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

/**
 * The pools declared in the environment: every name under {@code stockade.pools}, with the text of
 * each of its keys, as Spring's {@link Binder} reads them (relaxed: from YAML, properties, or
 * environment variables).
 */
public final class PoolDeclarations {
  /** Where the pools are declared. */
  public static final String PREFIX = "stockade.pools";

  /** Spring's own setting for how long one shutdown phase may take. */
  public static final String SHUTDOWN_PHASE_TIMEOUT = "spring.lifecycle.timeout-per-shutdown-phase";

  private static final Bindable<Map<String, Map<String, String>>> POOLS =
      Bindable.of(
          ResolvableType.forClassWithGenerics(
              Map.class,
              ResolvableType.forClass(String.class),
              ResolvableType.forClassWithGenerics(Map.class, String.class, String.class)));

  private PoolDeclarations() {}

  /**
   * Each declared pool's keys and values by the pool's name, in the order the environment gives.
   *
   * @param environment the application's environment
   * @return the pools, empty if none is declared
   */
  public static Map<String, Map<String, String>> read(Environment environment) {
    Map<String, Map<String, String>> pools =
        Binder.get(environment).bind(PREFIX, POOLS).orElse(Collections.emptyMap());
    return Collections.unmodifiableMap(new LinkedHashMap<>(pools));
  }

  /**
   * {@code spring.lifecycle.timeout-per-shutdown-phase}, 30 s when not set.
   *
   * @param environment the application's environment
   * @return the longest one shutdown phase may take
   */
  public static Duration shutdownPhaseTimeout(Environment environment) {
    return Binder.get(environment)
        .bind(SHUTDOWN_PHASE_TIMEOUT, Duration.class)
        .orElse(Duration.ofSeconds(30));
  }
}
