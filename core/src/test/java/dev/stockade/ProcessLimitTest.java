package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runaway process counts: a tree that forks without bound is ended once it holds more than {@code
 * maxProcesses} live processes, its task fails with {@link ProcessLimitExceededException}, and
 * nothing of it is left. The fork loops here are bounded (200 children), so a broken limit fails
 * the test instead of the machine.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(60)
class ProcessLimitTest {
  private static final String FORK_200 =
      "i=0; while [ $i -lt 200 ]; do sleep 600 & i=$((i+1)); done; wait";

  @Test
  void endsACommandTreeThatForksPastItsLimit() {
    try (CommandPool pool =
        CommandPool.builder().maxProcesses(50).sampleInterval(Duration.ofMillis(50)).build()) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> pool.run(Command.of("sh", "-c", FORK_200)).get(30, TimeUnit.SECONDS));

      assertThat(e.getCause())
          .isInstanceOfSatisfying(
              ProcessLimitExceededException.class,
              p -> {
                assertThat(p.limit()).isEqualTo(50);
                assertThat(p.observed().orElseThrow()).isGreaterThan(50);
                assertThat(p.getMessage()).contains("maxProcesses").contains("limit of 50");
              });
    }
  }

  @Test
  void leavesATreeWithinItsLimitAlone() throws Exception {
    try (CommandPool pool =
        CommandPool.builder().maxProcesses(50).sampleInterval(Duration.ofMillis(50)).build()) {
      CommandResult result =
          pool.run(
                  Command.of(
                      "sh",
                      "-c",
                      "i=0; while [ $i -lt 20 ]; do sleep 0.5 & i=$((i+1)); done; wait"))
              .get(30, TimeUnit.SECONDS);

      assertThat(result.exitStatus().isSuccess()).isTrue();
    }
  }

  @Test
  void endsAWorkerWhoseTaskForksPastItsLimitAndServesTheNextTask() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).maxProcesses(30).build()) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class, () -> pool.submit("fork:200").get(30, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(ProcessLimitExceededException.class);

      assertThat(pool.submit("echo:after").get(30, TimeUnit.SECONDS)).isEqualTo("after");
    }
  }

  @Test
  void refusesAProcessLimitOutOfRange() {
    assertThatThrownBy(() -> CommandPool.builder().maxProcesses(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxProcesses must be between 1 and 4194304, but was 0");
    assertThatThrownBy(() -> JvmWorkers.pool().maxProcesses(5_000_000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxProcesses must be between 1 and 4194304, but was 5000000");
  }
}
