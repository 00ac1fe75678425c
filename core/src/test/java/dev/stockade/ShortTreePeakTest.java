package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.Slowdown;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Without cgroups, a tree that ends before the housekeeper's first sample still has a peak: the
 * largest resident set its root's exit reported ({@code wait4}). The figure is the kernel's count
 * for the shell that held 40 MB, checked against that size.
 */
@ExtendWith(NoLeakedProcesses.class)
class ShortTreePeakTest {
  @Test
  void aTreeThatEndsBeforeTheFirstSampleReportsThePeakItsExitReported() throws Exception {
    Assumptions.assumeFalse(
        "jdk".equals(System.getProperty("dev.stockade.launcher")),
        "the JDK's launcher does not report a child's resource usage");
    try (CommandPool pool =
        CommandPool.builder()
            .name("short-peak")
            .workers(1)
            .cgroupMode(CgroupMode.NONE)
            .sampleInterval(Slowdown.scaled(Duration.ofSeconds(10)))
            .shutdownHook(false)
            .build()) {
      CommandResult r =
          pool.run(
                  Command.of(
                      "sh", "-c", "x=$(head -c 40000000 /dev/zero | tr '\\0' a); echo ${#x}"))
              .get(Slowdown.scaledSeconds(30), TimeUnit.SECONDS);

      assertThat(r.stdout().text().trim()).isEqualTo("40000000");
      assertThat(r.peakMetric()).isEqualTo(MemoryMetric.RSS);
      assertThat(r.peakMemory())
          .isGreaterThan(MemorySize.ofMebibytes(38))
          .isLessThan(MemorySize.ofMebibytes(200));
    }
  }
}
