package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.NoLeakedProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
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

  @Test
  void aTeardownsReadingSeesAWrapThatHappenedAMomentAgo() throws Exception {
    // Making the counter wrap takes writing it, which root may do; CI runs as root.
    Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
    boolean writable = Files.isWritable(lastPid);
    if (!"true".equals(System.getenv("CI"))) {
      Assumptions.assumeTrue(writable, "needs root to write " + lastPid);
    }
    assertThat(writable).as("%s writable under CI", lastPid).isTrue();
    Process sleeper = new ProcessBuilder("sleep", "5").start();
    try {
      long epoch = PidCounter.epochAtSpawn(sleeper.pid());

      // The counter wraps, as it does every few minutes on a busy machine with pid_max 32768:
      // the next process forked gets a pid below the root's.
      Files.writeString(lastPid, "300", StandardCharsets.US_ASCII);

      assertThat(PidCounter.floorNow(sleeper.pid(), epoch)).as("the floor read now").isEqualTo(1);
    } finally {
      sleeper.destroyForcibly();
      sleeper.waitFor();
    }
  }
}
