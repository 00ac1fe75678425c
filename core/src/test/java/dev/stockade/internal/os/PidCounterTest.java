package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.NoLeakedProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedProcesses.class)
class PidCounterTest {
  @Test
  void scansFromTheRootOfAJustSpawnedTreeAndInFullOnceUnsure() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "5").start();
    try {
      long epoch = PidCounter.epochAtSpawn(sleeper.pid());
      assertThat(epoch).isNotEqualTo(PidCounter.ALWAYS_FULL);
      assertThat(PidCounter.floorFor(sleeper.pid(), epoch)).isEqualTo(sleeper.pid());
      assertThat(PidCounter.floorFor(sleeper.pid(), PidCounter.ALWAYS_FULL)).isEqualTo(1);
      // a tree from an earlier wrap-around epoch is scanned in full
      assertThat(PidCounter.floorFor(sleeper.pid(), epoch - 1)).isEqualTo(1);
    } finally {
      sleeper.destroyForcibly();
      sleeper.waitFor();
    }
  }
}
