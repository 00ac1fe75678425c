package dev.stockade.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.junit.NoLeftoverProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

// spotless:off
// README: begin
@ExtendWith(NoLeftoverProcesses.class)   // dev.stockade.junit
class LeakCheckedTest {
    @Test
    void aCommandThatLeavesADaemonBehindLeavesNothingOnceThePoolHasEndedIt() throws Exception {
        try (CommandPool pool = CommandPool.builder().build()) {
            var result = pool.run(Command.of("sh", "-c", "setsid sleep 600 & echo started")).get();
            assertThat(result.leftoverProcessesEnded()).isEqualTo(1);
        }   // had the pool let the sleep live, the extension would fail this test and kill it
    }
}
// README: end
// spotless:on
