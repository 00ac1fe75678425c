package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link CommandResult#leftoverProcessesEnded()} counts what the teardown ended, nothing more. */
@ExtendWith(NoLeakedProcesses.class)
class LeftoverCountTest {

  @Test
  void countsTheLeftoversTheTeardownEndedNotTheChildrenTheyStartedAndEndedDuringTheGrace()
      throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    // Two leftovers when the command exits: a subshell and its sleep. On SIGTERM the sleep dies
    // and the subshell starts twenty short children one after another, then exits by itself.
    // The command exits only once the sleep was forked (the subshell says so through a FIFO),
    // so the two exist when the teardown starts however slowly the subshell is scheduled.
    String daemon =
        "mkfifo \"$TMPDIR/up\" && "
            + "(trap 'i=0; while [ $i -lt 20 ]; do sleep 0.05; i=$((i+1)); done; exit 0'"
            + " TERM; sleep "
            + marker
            + " & echo up > \"$TMPDIR/up\"; wait) & "
            + "read started < \"$TMPDIR/up\"; exit 0";
    try (CommandPool pool =
        CommandPool.builder()
            .name("leftover-count")
            .cgroupMode(CgroupMode.NONE)
            .workers(1)
            .terminationGrace(Duration.ofSeconds(5))
            .shutdownHook(false)
            .build()) {
      CommandResult result = pool.run(Command.of("sh", "-c", daemon)).get(30, TimeUnit.SECONDS);

      assertThat(result.leftoverProcessesEnded()).isEqualTo(2);
    }
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
  }
}
