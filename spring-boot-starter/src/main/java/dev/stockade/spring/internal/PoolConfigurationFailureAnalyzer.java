package dev.stockade.spring.internal;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link PoolConfigurationException} that stopped the application's start into Boot's
 * "APPLICATION FAILED TO START" report: the message as the description, the property to fix as the
 * action.
 */
public final class PoolConfigurationFailureAnalyzer
    extends AbstractFailureAnalyzer<PoolConfigurationException> {
  /** The analyzer; Spring Boot creates it from {@code META-INF/spring.factories}. */
  public PoolConfigurationFailureAnalyzer() {}

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, PoolConfigurationException cause) {
    return new FailureAnalysis(
        cause.getMessage(),
        "Fix "
            + cause.property()
            + " in the application's configuration (application.yml, application.properties or"
            + " the environment).",
        cause);
  }
}
