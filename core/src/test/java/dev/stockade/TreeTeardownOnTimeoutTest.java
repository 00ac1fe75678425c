package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Ending a whole tree: deep, wide, with an escaped daemon and a SIGTERM-ignorer. */
@ExtendWith(NoLeakedProcesses.class)
class TreeTeardownOnTimeoutTest {
  private static final Duration GRACE = Duration.ofSeconds(1);

  /** One worker, sampled every 50 ms. */
  private static CommandPool pool(Duration timeout, Duration grace) {
    return CommandPool.builder()
        .workers(1)
        .sampleInterval(Duration.ofMillis(50))
        .taskTimeout(timeout)
        .terminationGrace(grace)
        .build();
  }

  @Test
  void endsEveryProcessOfAWideTreeWithEscapeeAndTermIgnorerOnTimeout() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool = pool(Duration.ofSeconds(3), GRACE)) {
      CompletableFuture<CommandResult> future =
          pool.run(Command.of("sh", TestProcesses.resource("trees/wide-tree.sh"), marker));

      await()
          .atMost(Duration.ofSeconds(3))
          .untilAsserted(
              () ->
                  assertThat(pool.snapshot().workers())
                      .singleElement()
                      .satisfies(w -> assertThat(w.processCountNow()).isGreaterThanOrEqualTo(20)));
      assertThat(TestProcesses.liveWithCommandLine(marker)).hasSizeGreaterThanOrEqualTo(18);

      assertThatThrownBy(() -> future.get(3 + GRACE.toSeconds() + 2, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(TaskTimeoutException.class)
          .hasMessageContaining("past its timeout of 3000 ms");
      assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
    }
  }

  @Test
  void reportsTheTreeSizeAndPidInTheTimeoutException() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool = pool(Duration.ofSeconds(1), Duration.ZERO)) {
      CompletableFuture<CommandResult> future =
          pool.run(
              Command.of("sh", TestProcesses.resource("trees/wide-tree.sh"), marker)
                  .withLabel("wide"));
      ExecutionException e =
          Assertions.assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS));
      TaskTimeoutException timeout = (TaskTimeoutException) e.getCause();
      assertThat(timeout.timeout()).isEqualTo(Duration.ofSeconds(1));
      assertThat(timeout.details().label()).isEqualTo("wide");
      assertThat(timeout.details().peakProcessCount()).isGreaterThanOrEqualTo(20);
      assertThat(timeout.details().pid()).isPositive();
      assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
    }
  }

  @Test
  void endsATreeThatIsStillForkingWhenItIsEnded() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    try (CommandPool pool = pool(Duration.ofMillis(300), Duration.ZERO)) {
      CompletableFuture<CommandResult> future =
          pool.run(
              Command.of(
                  "sh",
                  "-c",
                  "i=0; while [ $i -lt 3000 ]; do sleep " + marker + " & i=$((i+1)); done; wait"));

      ExecutionException e =
          Assertions.assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));

      assertThat(e.getCause()).isInstanceOf(TaskTimeoutException.class);
      // ended mid-loop: it had started some of its sleeps, not all
      assertThat(((TaskTimeoutException) e.getCause()).details().peakProcessCount())
          .isGreaterThan(1)
          .isLessThan(3001);
      assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
    }
  }
}
