/**
 * Spring Boot auto-configuration for Stockade: each pool declared under {@code
 * stockade.pools.<name>} in the application's configuration becomes a bean named {@code <name>},
 * closed in Spring's graceful-shutdown phase, with an Actuator health contributor and Micrometer
 * metrics when those are present. {@link dev.stockade.spring.StockadePoolCustomizer} sets what text
 * cannot hold.
 */
package dev.stockade.spring;
