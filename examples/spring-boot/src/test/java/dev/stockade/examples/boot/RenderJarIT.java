package dev.stockade.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.junit.NoLeftoverProcesses;
import dev.stockade.testing.MarkedProcesses;
import dev.stockade.testing.TestProcesses;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.json.JsonParserFactory;

/**
 * The application as it ships: the executable Boot jar run with {@code java -jar} on a free port, a
 * page rendered, the health read, then SIGTERM ({@link Process#destroy()}, as a container's stop
 * sends it) while a second render runs. That render must finish, and the JVM exit through Spring's
 * graceful shutdown, which closes the pool after the web server drained, and leave no process
 * behind: none carrying the marker put in its environment (read from {@code /proc} here, not by the
 * library), and none the leak check finds among this JVM's descendants.
 */
@ExtendWith(NoLeftoverProcesses.class)
class RenderJarIT {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theExecutableJarRendersReportsHealthAndLeavesNothingAfterSigterm() throws Exception {
    TestProcesses.requireProgram("chromium");
    Path jar = Path.of(System.getProperty("example.bootJar"));
    assertThat(jar).exists();
    int port = freePort();
    String marker = UUID.randomUUID().toString();
    Path log = jar.resolveSibling("render-jar-it.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "--server.port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put(MarkedProcesses.VARIABLE, marker);
    Process app = builder.start();
    try {
      await("the application's health endpoint")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptionsInstanceOf(IOException.class)
          .until(
              () -> {
                assertThat(app.isAlive()).as("the application runs; its log: " + log).isTrue();
                return get(port, "/actuator/health", HttpResponse.BodyHandlers.ofString())
                        .statusCode()
                    == 200;
              });

      HttpResponse<byte[]> png =
          get(port, "/render?title=From%20the%20jar", HttpResponse.BodyHandlers.ofByteArray());
      assertThat(png.statusCode()).isEqualTo(200);
      assertThat(png.body()).startsWith(RenderApplicationTest.PNG).hasSizeGreaterThan(1000);

      Map<String, Object> health =
          JsonParserFactory.getJsonParser()
              .parseMap(get(port, "/actuator/health", HttpResponse.BodyHandlers.ofString()).body());
      assertThat(RenderApplicationTest.component(health, "stockade", "render"))
          .containsEntry("status", "UP");

      // A render in flight when SIGTERM comes: the web server's graceful shutdown lets the request
      // finish, the pool still serving it, and only then are the pools closed.
      CompletableFuture<HttpResponse<byte[]>> inFlight =
          http.sendAsync(
              request(port, "/render?title=In%20flight"), HttpResponse.BodyHandlers.ofByteArray());
      await("the render's Chromium tree started")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> activeWorkers(port) >= 1);
      app.destroy(); // SIGTERM
      HttpResponse<byte[]> last = inFlight.get(60, TimeUnit.SECONDS);
      assertThat(last.statusCode()).isEqualTo(200);
      assertThat(last.body()).startsWith(RenderApplicationTest.PNG);
      assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the JVM exits after SIGTERM").isTrue();
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(output)
          .as("Spring closed the pool in its shutdown, after the web server's graceful shutdown")
          .containsSubsequence("Graceful shutdown complete", "Closing pool 'render'");
      await("no process carrying the marker")
          .atMost(Duration.ofSeconds(10))
          .until(() -> MarkedProcesses.live(marker), List::isEmpty);
    } finally {
      app.destroyForcibly();
      app.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private <T> HttpResponse<T> get(int port, String path, HttpResponse.BodyHandler<T> body)
      throws IOException, InterruptedException {
    return http.send(request(port, path), body);
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .timeout(Duration.ofSeconds(60))
        .build();
  }

  /** The render pool's live trees, from its health details. */
  private int activeWorkers(int port) throws IOException, InterruptedException {
    Map<String, Object> health =
        JsonParserFactory.getJsonParser()
            .parseMap(get(port, "/actuator/health", HttpResponse.BodyHandlers.ofString()).body());
    Map<String, Object> details =
        RenderApplicationTest.component(health, "stockade", "render", "details");
    return ((Number) details.get("activeWorkers")).intValue();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
