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
    // The FIFO exists before anything reads or writes it, and the sleep's own shell writes "up"
    // just before it becomes the sleep, so the command exits (successfully, and only then) once
    // the two exist, however slowly the subshell is scheduled.
    String daemon =
        "mkfifo \"$TMPDIR/up\" || exit 3; "
            + "(trap 'i=0; while [ $i -lt 20 ]; do sleep 0.05; i=$((i+1)); done; exit 0'"
            + " TERM; sh -c 'echo up > \"$TMPDIR/up\"; exec sleep "
            + marker
            + "' & wait) & "
            + "read started < \"$TMPDIR/up\"; [ \"$started\" = up ] || exit 3; exit 0";
    try (CommandPool pool =
        CommandPool.builder()
            .name("leftover-count")
            .cgroupMode(CgroupMode.NONE)
            .workers(1)
            .terminationGrace(Duration.ofSeconds(5))
            .shutdownHook(false)
            .build()) {
      CommandResult result = pool.run(Command.of("sh", "-c", daemon)).get(30, TimeUnit.SECONDS);

      assertThat(result.isSuccess()).as("%s: %s", result, result.stderr().text()).isTrue();
      assertThat(result.leftoverProcessesEnded()).isEqualTo(2);
    }
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
  }
}
