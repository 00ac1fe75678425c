package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.NoLeakedProcesses;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedProcesses.class)
class CommandPoolSmokeTest {
  @Test
  void runsACommandAndReturnsItsOutput() throws Exception {
    try (CommandPool pool = CommandPool.builder().workers(1).build()) {
      CommandResult r =
          pool.run(Command.of("sh", "-c", "echo hello; echo oops >&2; exit 3"))
              .get(10, TimeUnit.SECONDS);
      assertThat(r.stdout().text()).isEqualTo("hello\n");
      assertThat(r.stderr().text()).isEqualTo("oops\n");
      assertThat(r.exitStatus().exitCode()).hasValue(3);
    }
  }
}
