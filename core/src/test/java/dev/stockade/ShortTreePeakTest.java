package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.CgroupsHere;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.Slowdown;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The peak of a tree that ends before the housekeeper's first sample: under cgroups, the group's
 * own high-water mark, a true figure; without cgroups, none — never a figure inherited from the JVM
 * that started it, as {@code wait4}'s {@code ru_maxrss} would be (docs/decisions.md).
 */
@ExtendWith(NoLeakedProcesses.class)
class ShortTreePeakTest {
  /** A copy through one 40 MB buffer: a resident set of about 40 MB for a moment. */
  private static final Command HOLDS_40_MB =
      Command.of("dd", "if=/dev/zero", "of=/dev/null", "bs=40000000", "count=1");

  private static CommandResult runOnce(CgroupMode mode) throws Exception {
    try (CommandPool pool =
        CommandPool.builder()
            .name("short-peak")
            .workers(1)
            .cgroupMode(mode)
            // The longest interval allowed: no sample before the copy ends, even emulated.
            .sampleInterval(Duration.ofMinutes(1))
            .shutdownHook(false)
            .build()) {
      CommandResult r = pool.run(HOLDS_40_MB).get(Slowdown.scaledSeconds(30), TimeUnit.SECONDS);
      assertThat(r.exitStatus().isSuccess()).isTrue();
      return r;
    }
  }

  @Test
  @Tag("cgroup")
  void underCgroupsATreeThatEndsBeforeTheFirstSampleReportsItsGroupsPeak() throws Exception {
    CgroupsHere.require(CgroupMode.AUTO, "memory");
    CommandResult r = runOnce(CgroupMode.AUTO);

    assertThat(r.peakMetric()).isEqualTo(MemoryMetric.CGROUP);
    assertThat(r.peakMemory())
        .isGreaterThan(MemorySize.ofMebibytes(38))
        .isLessThan(MemorySize.ofMebibytes(100));
  }

  @Test
  void withoutCgroupsATreeThatEndsBeforeTheFirstSampleReportsNoPeakRatherThanTheJvms()
      throws Exception {
    CommandResult r = runOnce(CgroupMode.NONE);

    assertThat(r.peakMemory()).isEqualTo(MemorySize.ofBytes(0));
  }
}
