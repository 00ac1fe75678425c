package dev.stockade.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A web application that renders pages to PNG with headless Chromium through a {@code CommandPool}
 * declared only in {@code application.yml} ({@code stockade.pools.render}), with the pool's health
 * and metrics under {@code /actuator}.
 */
@SpringBootApplication
public class RenderApplication {
  /**
   * Starts the application.
   *
   * @param args Spring Boot's arguments, such as {@code --server.port=8081}
   */
  public static void main(String[] args) {
    SpringApplication.run(RenderApplication.class, args);
  }
}
