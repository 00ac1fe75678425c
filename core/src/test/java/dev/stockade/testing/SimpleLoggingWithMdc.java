package dev.stockade.testing;

import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;

/**
 * slf4j-simple, as the tests log, with SLF4J's own {@link BasicMDCAdapter} in place of its no-op
 * MDC, so that tests can read the MDC a line was logged under ({@link CapturedLog#linesDuring}), as
 * Logback or Log4j would carry it. Chosen by the system property {@code slf4j.provider} in the
 * surefire configuration.
 */
public final class SimpleLoggingWithMdc extends SimpleServiceProvider {
  private final MDCAdapter mdc = new BasicMDCAdapter();

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }
}
