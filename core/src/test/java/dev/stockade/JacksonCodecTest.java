package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** JSON payloads through Jackson, on their own and through a Python worker. */
@ExtendWith(NoLeakedProcesses.class)
class JacksonCodecTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  record Point(int x, int y) {}

  @Test
  void roundTripsARecordAndAGenericList() throws Exception {
    JacksonCodec<Point> point = JacksonCodec.of(MAPPER, Point.class);
    assertThat(point.decode(point.encode(new Point(3, -4)))).isEqualTo(new Point(3, -4));
    JacksonCodec<List<Point>> points = JacksonCodec.of(MAPPER, new TypeReference<>() {});
    assertThat(points.decode("[{\"x\":1,\"y\":2}]".getBytes(StandardCharsets.UTF_8)))
        .containsExactly(new Point(1, 2));
  }

  @Test
  void decodesWhatAPythonWorkerAnswersAndRejectsMalformedJsonAsTheWorkersFault() throws Exception {
    TestProcesses.requireProgram("python3");
    try (WorkerPool<String, Point> pool =
        WorkerPool.builder(Codec.utf8(), JacksonCodec.of(MAPPER, Point.class))
            .pythonWorker(Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
            .workers(1)
            .sampleInterval(Duration.ofMillis(50))
            .shutdownHook(false)
            .build()) {
      assertThat(pool.submit("echo:{\"x\": 5, \"y\": 6}").get(30, TimeUnit.SECONDS))
          .isEqualTo(new Point(5, 6));
      CompletableFuture<Point> malformed = pool.submit("echo:{\"x\": ");
      assertThatThrownBy(() -> malformed.get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(WorkerProtocolException.class)
          .hasMessageContaining("could not be decoded");
    }
  }
}
