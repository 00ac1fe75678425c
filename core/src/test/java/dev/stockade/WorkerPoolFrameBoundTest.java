package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import dev.stockade.testing.conformance.ConformanceHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a JVM handler sends stays within the pool's {@code maxFrameSize} and its task: an oversized
 * error message and a progress note sent after the handler returned fail or end nothing but what
 * they concern — the worker that sent them serves on.
 */
@ExtendWith(NoLeakedProcesses.class)
class WorkerPoolFrameBoundTest {
  private static final int MAX_FRAME_SIZE = 64 * 1024;
  private static final String FOUR_BYTES = "\uD834\uDD1E"; // U+1D11E

  private static WorkerPool<String, String> pool(RecordingListener events) {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .jvmWorker(ConformanceHandler.class)
        .workers(1)
        .maxFrameSize(MemorySize.ofBytes(MAX_FRAME_SIZE))
        .sampleInterval(Duration.ofMillis(50))
        .heartbeatInterval(Duration.ofMillis(100))
        .heartbeatTimeout(Duration.ofMillis(1500))
        .terminationGrace(Duration.ofSeconds(1))
        .startTimeout(Duration.ofSeconds(20))
        .listener(events)
        .shutdownHook(false)
        .build();
  }

  @Test
  void failsATaskWhoseErrorMessageIsOverMaxFrameSizeWithTheMessageCutAndKeepsTheWorker()
      throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool = pool(events)) {
      String pid = pool.submit("pid").get(30, TimeUnit.SECONDS);
      String type = IllegalArgumentException.class.getName();
      // one "a" then 20,500 four-byte characters: 82,001 bytes, cut inside a character
      int room = MAX_FRAME_SIZE - 8 - type.length();
      String cut = "a" + FOUR_BYTES.repeat((room - 1) / 4);
      assertThat((room - 1) % 4).as("bytes of the character the bound falls into").isNotZero();

      assertThatThrownBy(
              () ->
                  pool.submit("fail-long:1:20500", TaskOptions.defaults().withIdempotent(true))
                      .get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              TaskFailedException.class,
              e -> {
                assertThat(e.errorType()).isEqualTo(type);
                assertThat(e.errorMessage()).isEqualTo(cut);
                assertThat(e.errorMessage().getBytes(StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(room);
                assertThat(e.trace()).isEmpty();
              });

      assertThat(pool.submit("pid").get(10, TimeUnit.SECONDS)).isEqualTo(pid);
      assertThat(events.ended).isEmpty();
    }
  }

  @Test
  void keepsTheWorkerWhenAThreadOfTheHandlerReportsProgressAfterItReturned() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool = pool(events)) {
      String pid = pool.submit("pid").get(30, TimeUnit.SECONDS);

      // its thread reports every millisecond until "stop-late", through the next task
      assertThat(pool.submit("late-progress").get(10, TimeUnit.SECONDS)).isEqualTo("returned");
      assertThat(pool.submit("sleep:200").get(10, TimeUnit.SECONDS)).isEqualTo("slept");
      assertThat(pool.submit("stop-late").get(10, TimeUnit.SECONDS))
          .matches("sent \\d+ dropped [1-9]\\d*");

      assertThat(pool.submit("pid").get(10, TimeUnit.SECONDS)).isEqualTo(pid);
      assertThat(events.ended).isEmpty();
    }
  }
}
