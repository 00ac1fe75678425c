package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A worker that breaks the protocol fails its task with {@link WorkerProtocolException} and is
 * replaced; the pool goes on. The worker is {@code workers/rogue_worker.py}, which speaks the
 * protocol by hand and breaks it as told.
 */
@ExtendWith(NoLeakedProcesses.class)
class WorkerProtocolRobustnessTest {

  private static WorkerPool<String, String> rogue(String mode, RecordingListener events) {
    String python = TestProcesses.requireProgram("python3");
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .command(Command.of(python, TestProcesses.resource("workers/rogue_worker.py"), mode))
        .workers(1)
        .sampleInterval(Duration.ofMillis(50))
        .heartbeatInterval(Duration.ofMillis(100))
        .heartbeatTimeout(Duration.ofSeconds(2))
        .terminationGrace(Duration.ofMillis(500))
        .maxFrameSize(MemorySize.ofKibibytes(64))
        .healthCheckInterval(Duration.ofMillis(200))
        .healthCheckTimeout(Duration.ofMillis(300))
        .healthCheckFailures(2)
        .idleTimeout(Duration.ofMinutes(1))
        .listener(events)
        .shutdownHook(false)
        .build();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bad-magic        | bad magic",
        "unknown-type     | unknown frame type 0x7F",
        "bad-flags        | flags of a RESULT frame must be 0",
        "oversized        | over maxFrameSize (65536 bytes)",
        "truncated        | truncated frame",
        "unknown-task     | RESULT for task",
        "second-hello     | a second HELLO",
        "supervisor-frame | a TASK frame, which only the supervisor sends"
      })
  void failsTheTaskOfAWorkerThatBreaksTheProtocolAndGoesOn(String mode, String expected)
      throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool = rogue(mode, events)) {
      assertThat(pool.submit("before").get(30, TimeUnit.SECONDS)).isEqualTo("before");
      CompletableFuture<String> task = pool.submit("misbehave");
      assertThatThrownBy(() -> task.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(WorkerProtocolException.class)
          .hasMessageContaining(expected);
      assertThat(pool.submit("after").get(30, TimeUnit.SECONDS)).isEqualTo("after");
      // Events reach the listener on the callback executor, possibly after the future.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> assertThat(events.endReasons()).containsExactly(EndReason.PROTOCOL_VIOLATION));
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "batch-skip            | from input 1, but its next unanswered input is 0",
        "batch-overrun         | covering inputs 0 to 2, but it has 2",
        "batch-bad-kind        | outcome 0 has kind 7",
        "batch-bad-lengths     | claims",
        "batch-bad-error       | ERROR payload ends inside the length of its type field",
        "result-for-batch      | which is a BATCH",
        "batch-result-for-task | which is a TASK"
      })
  void failsTheChunkOfAWorkerThatAnswersABatchOutOfTurnAndGoesOn(String mode, String expected)
      throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool = rogue(mode, events)) {
      assertThat(pool.map(List.of("before", "both"), MapOptions.defaults().withChunkSize(2)))
          .containsExactly("before", "both");
      if (mode.equals("batch-result-for-task")) {
        CompletableFuture<String> task = pool.submit("misbehave");
        assertThatThrownBy(() -> task.get(10, TimeUnit.SECONDS))
            .cause()
            .isInstanceOf(WorkerProtocolException.class)
            .hasMessageContaining(expected);
      } else {
        assertThatThrownBy(
                () -> pool.map(List.of("misbehave", "x"), MapOptions.defaults().withChunkSize(2)))
            .isInstanceOfSatisfying(
                MapFailedException.class,
                e -> {
                  assertThat(e.firstFailedIndex()).isEqualTo(0);
                  assertThat(e.getCause())
                      .isInstanceOf(WorkerProtocolException.class)
                      .hasMessageContaining(expected);
                });
      }
      assertThat(pool.map(List.of("after"))).containsExactly("after");
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> assertThat(events.endReasons()).containsExactly(EndReason.PROTOCOL_VIOLATION));
    }
  }

  @Test
  void refusesAWorkerWhoseFirstFrameIsNotHello() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool = rogue("hello-later-frame", events)) {
      var unused = pool.submit("x");
      await().atMost(Duration.ofSeconds(10)).until(() -> !events.ended.isEmpty());
      assertThat(events.ended.get(0).endReason()).contains(EndReason.PROTOCOL_VIOLATION);
    }
  }

  @Test
  void retiresAWorkerThatStopsAnsweringPings() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool = rogue("no-pong", events)) {
      assertThat(pool.submit("warm").get(30, TimeUnit.SECONDS)).isEqualTo("warm");
      await().atMost(Duration.ofSeconds(10)).until(() -> !events.ended.isEmpty());
      assertThat(events.ended.get(0).endReason()).contains(EndReason.HEALTH_CHECK_FAILED);
    }
  }

  @Test
  void reportsOutputAfterShutdownAsAViolationAndStillEndsTheWorker() throws Exception {
    RecordingListener events = new RecordingListener();
    WorkerPool<String, String> pool = rogue("after-shutdown", events);
    assertThat(pool.submit("warm").get(30, TimeUnit.SECONDS)).isEqualTo("warm");
    long pid = pool.snapshot().workers().get(0).pid();
    pool.close(); // sends SHUTDOWN to the idle worker, which answers with a PONG and lingers
    assertThat(events.endReasons()).containsExactly(EndReason.PROTOCOL_VIOLATION);
    assertThat(JvmWorkers.isAlive(pid)).isFalse();
  }
}
