package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TreeCpuClockTest {
  private static ProcessInfo process(long pid, long startTime, long cpuTicks) {
    return new ProcessInfo(pid, 1, pid, pid, 'R', startTime, 100, cpuTicks);
  }

  @Test
  void countsAllOfANewMemberAndTheGrowthOfAKnownOne() {
    TreeCpuClock clock = new TreeCpuClock();
    assertThat(clock.sample(List.of(process(10, 500, 30)))).isEqualTo(30);
    assertThat(clock.sample(List.of(process(10, 500, 45), process(11, 600, 5)))).isEqualTo(50);
    assertThat(clock.usedNanos()).isEqualTo(500_000_000L);
  }

  @Test
  void keepsTheTimeOfAMemberThatExited() {
    TreeCpuClock clock = new TreeCpuClock();
    clock.sample(List.of(process(10, 500, 30), process(11, 600, 200)));
    assertThat(clock.sample(List.of(process(10, 500, 31)))).isEqualTo(231);
  }

  @Test
  void countsARecycledPidAsANewProcess() {
    TreeCpuClock clock = new TreeCpuClock();
    clock.sample(List.of(process(10, 500, 300)));
    assertThat(clock.sample(List.of(process(10, 900, 2)))).isEqualTo(302);
  }

  @Test
  void readsTheCpuTimeOfARealProcessThatSpins() throws Exception {
    Process spinner = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    try {
      TreeCpuClock clock = new TreeCpuClock();
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                clock.sample(List.of(ProcFs.readStat(spinner.pid())));
                return clock.usedNanos() >= 200_000_000L;
              });
    } finally {
      spinner.destroyForcibly().waitFor();
    }
  }
}
