package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.MisbehavingHandler;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker whose stderr the pool can no longer drain would block on its next write while it looked
 * healthy; so when the thread that drains it fails, whatever it throws, the worker is ended, its
 * task fails with a typed exception, and a replacement serves the next task.
 */
@ExtendWith(NoLeakedProcesses.class)
class SupervisionFailureTest {
  private static final String POISON = "poison-for-the-logging-backend";

  /** A logging backend that throws an Error when it is asked to write one message. */
  private static final class PoisonedStream extends PrintStream {
    PoisonedStream(PrintStream target) {
      super(target, true);
    }

    @Override
    public void println(String text) {
      if (text != null && text.contains(POISON)) {
        throw new AssertionError("the logging backend failed");
      }
      super.println(text);
    }
  }

  @Test
  void endsAndReplacesAWorkerWhoseStderrPumpFailedAndFailsItsTaskTyped() throws Exception {
    PrintStream original = System.err;
    RecordingListener listener = new RecordingListener();
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .name("pump-failure")
            .jvmWorker(MisbehavingHandler.class)
            .workers(1)
            .terminationGrace(Duration.ofSeconds(1))
            .listener(listener)
            .shutdownHook(false)
            .build()) {
      String before = pool.submit("pid").get(60, TimeUnit.SECONDS);
      System.setErr(new PoisonedStream(original)); // slf4j-simple looks System.err up per message
      CompletableFuture<String> task =
          pool.submit("say-then-wait:" + POISON, TaskOptions.defaults().withLabel("poisoned"));

      assertThatThrownBy(() -> task.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              SupervisionFailedException.class,
              e -> {
                assertThat(e.getCause())
                    .isInstanceOf(AssertionError.class)
                    .hasMessage("the logging backend failed");
                assertThat(e.details().pid()).isEqualTo(Long.parseLong(before));
                assertThat(e.getMessage())
                    .contains("task 'poisoned'")
                    .contains("could no longer read its stderr");
              });
      System.setErr(original);
      String after = pool.submit("pid").get(60, TimeUnit.SECONDS);
      assertThat(after).as("the replacement's pid").isNotEqualTo(before);
      // Events reach the listener on the callback executor, possibly after the future.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(listener.endReasons()).containsExactly(EndReason.SUPERVISION_FAILED));
    } finally {
      System.setErr(original);
    }
  }
}
