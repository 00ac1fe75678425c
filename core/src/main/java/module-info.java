/**
 * Stockade: supervised pools of operating-system processes. Only {@code dev.stockade} (the pools,
 * their settings, results and exceptions) and {@code dev.stockade.worker} (what a JVM worker's
 * handler implements) are exported; {@code dev.stockade.internal.*} is machinery. Jackson is needed
 * only for {@link dev.stockade.JacksonCodec}, by applications that bring it.
 */
module dev.stockade {
  requires com.sun.jna;
  requires io.github.resilience4j.circuitbreaker;
  requires io.github.resilience4j.core;
  requires io.github.resilience4j.retry;
  requires jdk.management;
  requires org.slf4j;
  requires static com.fasterxml.jackson.core;
  requires static com.fasterxml.jackson.databind;

  exports dev.stockade;
  exports dev.stockade.worker;
}
