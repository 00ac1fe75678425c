package dev.stockade.internal.workers;

import static dev.stockade.internal.workers.WorkerFixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.ExitStatus;
import dev.stockade.HeartbeatTimeoutException;
import dev.stockade.MemoryMetric;
import dev.stockade.MemorySize;
import dev.stockade.TaskFailedException;
import dev.stockade.TaskOptions;
import dev.stockade.TaskTimeoutException;
import dev.stockade.WorkerCrashedException;
import dev.stockade.WorkerDetails;
import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which failed tasks run again, how often, and after how long. No process is started. */
class TaskRetryTest {
  private final TaskRetry retry = new TaskRetry("judged", settings(Optional.empty()).restarts());

  private static WorkerDetails details() {
    return new WorkerDetails(
        "judged",
        "w1",
        "t",
        42,
        1,
        MemorySize.ofMebibytes(1),
        MemoryMetric.RSS,
        ExitStatus.exited(1),
        "");
  }

  @Test
  void aTaskThatIsNotIdempotentIsNeverRunAgain() {
    assertThat(retry.contextFor(TaskOptions.defaults())).isNull();
  }

  @Test
  void aCrashOfItsWorkerRunsAnIdempotentTaskAgainAfterTheBackoff() {
    Retry.AsyncContext<Object> context =
        retry.contextFor(TaskOptions.defaults().withIdempotent(true));

    long delay = context.onError(new WorkerCrashedException("t", details()));

    assertThat(delay).isBetween(100L, 300L); // 200 ms, give or take half
  }

  @Test
  void anIdempotentTaskRunsAtMostRetryAttemptsTimes() {
    Retry.AsyncContext<Object> context =
        retry.contextFor(TaskOptions.defaults().withIdempotent(true));
    HeartbeatTimeoutException hung =
        new HeartbeatTimeoutException(
            "t", Duration.ofSeconds(11), Duration.ofSeconds(10), details());

    assertThat(context.onError(hung)).isNotNegative();
    assertThat(context.onError(hung)).isNotNegative();
    assertThat(context.onError(hung)).isEqualTo(-1); // three runs in all
  }

  @Test
  void theTasksOwnFailuresAreNeverRunAgain() {
    Retry.AsyncContext<Object> context =
        retry.contextFor(TaskOptions.defaults().withIdempotent(true));

    assertThat(context.onError(new TaskFailedException("t", "w1", "ValueError", "bad", "")))
        .isEqualTo(-1);
    assertThat(
            TaskRetry.isRetryable(
                new TaskTimeoutException(
                    "t", Duration.ofSeconds(1), Duration.ofSeconds(2), details())))
        .isFalse();
  }
}
