package dev.stockade.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.junit.NoLeftoverProcesses;
import dev.stockade.testing.TestProcesses;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The application as the IDE runs it: a page rendered by Chromium through the pool declared in
 * {@code application.yml}, the pool's health and metrics read from Actuator. Each test is checked
 * for leftover processes, and the class once more after Spring closed its context.
 */
@ExtendWith(LeftoversAfterTheContext.class) // before @SpringBootTest: checks after the close
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(NoLeftoverProcesses.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RenderApplicationTest {
  /** PNG's signature: every PNG file starts with these 8 bytes. */
  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private final HttpClient http = HttpClient.newHttpClient();

  @LocalServerPort int port;

  @BeforeEach
  void chromium() {
    // Skips each test, with the reason, where Chromium is missing; fails it under CI=true.
    TestProcesses.requireProgram("chromium");
  }

  @Test
  @Order(1)
  void rendersAPageToPng() throws Exception {
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(uri("/render?title=Hello%20from%20a%20pool")).build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(response.body()).startsWith(PNG).hasSizeGreaterThan(1000);
  }

  @Test
  @Order(2)
  void thePoolsHealthIsUpUnderStockade() throws Exception {
    Map<String, Object> health = json("/actuator/health");

    assertThat(health).containsEntry("status", "UP");
    Map<String, Object> pool = component(health, "stockade", "render");
    assertThat(pool).containsEntry("status", "UP");
    assertThat(component(pool, "details")).containsEntry("status", "UP").containsKey("maxWorkers");
  }

  @Test
  @Order(3)
  void theTasksItRanAreCounted() throws Exception {
    Map<String, Object> metric = json("/actuator/metrics/stockade.tasks.ended?tag=pool:render");

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> measurements = (List<Map<String, Object>>) metric.get("measurements");
    assertThat(measurements)
        .anySatisfy(
            m -> {
              assertThat(m).containsEntry("statistic", "COUNT");
              assertThat(((Number) m.get("value")).doubleValue()).isGreaterThanOrEqualTo(1);
            });
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }

  private Map<String, Object> json(String path) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return JsonParserFactory.getJsonParser().parseMap(response.body());
  }

  /** The map at {@code path} under {@code components} (or, for "details", as it is). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> component(Map<String, Object> health, String... path) {
    Map<String, Object> at = health;
    for (String name : path) {
      Object next =
          name.equals("details")
              ? at.get("details")
              : ((Map<String, Object>) at.get("components")).get(name);
      assertThat(next).as(name + " in " + at).isInstanceOf(Map.class);
      at = (Map<String, Object>) next;
    }
    return at;
  }
}
